package dev.shoal.controlplane.consent;

import static dev.shoal.controlplane.refusal.Refusal.Kind.CONFLICT;

import dev.shoal.controlplane.consent.ConsentRecords.ConsentRecord;
import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.refusal.Refusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The consent records devices send (their agent's outbox), kept whole, and each device's current
 * answer per scope: the record with the latest {@code at} (a withdrawal wins a tie). Sending a
 * record again changes nothing.
 */
@Service
class Consents {

  private final JdbcClient jdbc;
  private final MeterRegistry meters;

  Consents(JdbcClient jdbc, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.meters = meters;
  }

  /** A record as stored. {@code at} is kept to the microsecond, as PostgreSQL keeps time. */
  record StoredConsentRecord(
      String deviceId,
      String scope,
      String decision,
      OffsetDateTime at,
      String askedWhere,
      String textId,
      Integer textVersion,
      String textLocale,
      String textSha256,
      OffsetDateTime receivedAt) {}

  /** The stored record and whether this request stored it (false: it was already there). */
  record Outcome(StoredConsentRecord record, boolean created) {}

  private static final String COLUMNS =
      "device_id, scope, decision, at, asked_where, text_id, text_version, text_locale,"
          + " text_sha256, received_at";

  @Transactional
  Outcome store(Devices.Device device, ConsentRecord r) {
    OffsetDateTime at =
        OffsetDateTime.ofInstant(r.at().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    Optional<StoredConsentRecord> inserted =
        jdbc.sql(
                "insert into consent_records (device_id, organisation_id, scope, decision, at,"
                    + " asked_where, text_id, text_version, text_locale, text_sha256)"
                    + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " on conflict (device_id, scope, at, decision) do nothing returning "
                    + COLUMNS)
            .params(
                device.id(),
                device.organisationId(),
                r.scope(),
                r.decision(),
                at,
                r.askedWhere(),
                r.textId(),
                r.textVersion(),
                r.textLocale(),
                r.textSha256())
            .query(StoredConsentRecord.class)
            .optional();
    if (inserted.isEmpty()) {
      StoredConsentRecord existing =
          jdbc.sql(
                  "select "
                      + COLUMNS
                      + " from consent_records where device_id = ? and scope = ? and at = ?"
                      + " and decision = ?")
              .params(device.id(), r.scope(), at, r.decision())
              .query(StoredConsentRecord.class)
              .single();
      if (!sameAnswer(existing, r)) {
        throw new Refusal(
            CONFLICT,
            "A different record for this device, scope, time and decision is already stored");
      }
      return new Outcome(existing, false);
    }
    jdbc.sql(
            "insert into device_consent as c (device_id, scope, granted, at) values (?, ?, ?, ?)"
                + " on conflict (device_id, scope) do update set granted = excluded.granted,"
                + " at = excluded.at, updated_at = now()"
                + " where excluded.at > c.at or (excluded.at = c.at and not excluded.granted)")
        .params(device.id(), r.scope(), r.decision().equals("GRANTED"), at)
        .update();
    Counter.builder("shoal.consent.records")
        .description("Consent records received from devices, by scope and decision")
        .tag("scope", r.scope())
        .tag("decision", r.decision())
        .register(meters)
        .increment();
    return new Outcome(inserted.get(), true);
  }

  private static boolean sameAnswer(StoredConsentRecord s, ConsentRecord r) {
    return s.askedWhere().equals(r.askedWhere())
        && Objects.equals(s.textId(), r.textId())
        && Objects.equals(s.textVersion(), r.textVersion())
        && Objects.equals(s.textLocale(), r.textLocale())
        && Objects.equals(s.textSha256(), r.textSha256());
  }

  /** The device's current answer for a scope, if it ever answered. */
  Optional<Boolean> current(String deviceId, String scope) {
    return jdbc.sql("select granted from device_consent where device_id = ? and scope = ?")
        .params(deviceId, scope)
        .query(Boolean.class)
        .optional();
  }
}
