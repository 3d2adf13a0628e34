package dev.shoal.controlplane.consent;

import dev.shoal.controlplane.health.Window;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Counts of an organisation's devices and of their players' consent, now and over time. Only
 * numbers: never a device id or a player name.
 *
 * <p>A device counts as enrolled from its enrolment until it is revoked. Its consent for a scope at
 * a moment is its latest record at or before it (by the record's {@code at}, a withdrawal winning a
 * tie); a device that never sent one has not consented.
 */
@Service
class DeviceAggregates {

  private final JdbcClient jdbc;

  DeviceAggregates(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Now: live devices, revoked ones, and live devices by current consent. */
  record DeviceCounts(
      long enrolledDevices,
      long revokedDevices,
      long downloadConsent,
      long uploadConsent,
      long neverAnswered) {}

  /**
   * One bucket: the state at its end (or now, for the current bucket) and what happened in it.
   * Grants and withdrawals are counted by the time the player answered.
   */
  record DeviceBucket(
      Instant start,
      long enrolledDevices,
      long downloadConsent,
      long uploadConsent,
      long enrolments,
      long downloadGrants,
      long uploadGrants,
      long downloadWithdrawals,
      long uploadWithdrawals) {}

  record DeviceTotals(
      long enrolments,
      long downloadGrants,
      long uploadGrants,
      long downloadWithdrawals,
      long uploadWithdrawals) {}

  /**
   * @param since when the organisation's first device enrolled (null: none yet), for a chart of the
   *     whole history
   */
  record DeviceConsentAggregates(
      DeviceCounts current,
      Instant from,
      Instant to,
      long stepSeconds,
      DeviceTotals totals,
      List<DeviceBucket> buckets,
      Instant since) {}

  private static final String LIVE_AT =
      "d.organisation_id = ? and d.created_at < b.e and (d.revoked_at is null or d.revoked_at >= b.e)";

  private static String consentAt(String scope) {
    return "(select r.decision from consent_records r where r.device_id = d.id and r.scope = '"
        + scope
        + "' and r.at < b.e order by r.at desc, r.decision desc limit 1) = 'GRANTED'";
  }

  private record State(int bucket, long enrolled, long download, long upload) {}

  private record Events(
      int bucket,
      long enrolments,
      long downloadGrants,
      long uploadGrants,
      long downloadWithdrawals,
      long uploadWithdrawals) {}

  DeviceConsentAggregates of(UUID organisationId, Window window) {
    OffsetDateTime start = OffsetDateTime.ofInstant(window.start(), ZoneOffset.UTC);
    OffsetDateTime end = OffsetDateTime.ofInstant(window.end(), ZoneOffset.UTC);
    long step = window.stepSeconds();
    DeviceCounts current =
        jdbc.sql(
                "select count(*) filter (where d.revoked_at is null) as enrolled_devices,"
                    + " count(*) filter (where d.revoked_at is not null) as revoked_devices,"
                    + " count(*) filter (where d.revoked_at is null and exists (select 1 from"
                    + " device_consent c where c.device_id = d.id and c.scope ="
                    + " 'DOWNLOAD_FROM_PEERS' and c.granted)) as download_consent,"
                    + " count(*) filter (where d.revoked_at is null and exists (select 1 from"
                    + " device_consent c where c.device_id = d.id and c.scope ="
                    + " 'UPLOAD_TO_PEERS' and c.granted)) as upload_consent,"
                    + " count(*) filter (where d.revoked_at is null and not exists (select 1"
                    + " from device_consent c where c.device_id = d.id)) as never_answered"
                    + " from devices d where d.organisation_id = ?")
            .param(organisationId)
            .query(DeviceCounts.class)
            .single();
    // The state at the end of each bucket; the current bucket's end is in the future, so "now".
    List<State> states =
        jdbc.sql(
                "select b.i as bucket,"
                    + " (select count(*) from devices d where "
                    + LIVE_AT
                    + ") as enrolled,"
                    + " (select count(*) from devices d where "
                    + LIVE_AT
                    + " and "
                    + consentAt("DOWNLOAD_FROM_PEERS")
                    + ") as download,"
                    + " (select count(*) from devices d where "
                    + LIVE_AT
                    + " and "
                    + consentAt("UPLOAD_TO_PEERS")
                    + ") as upload"
                    + " from (select i, least(?::timestamptz + make_interval(secs => (i + 1) * ?),"
                    + " now()) as e from generate_series(0, ? - 1) as g(i)) b")
            .params(organisationId, organisationId, organisationId, start, step, window.buckets())
            .query(State.class)
            .list();
    List<Events> enrolments =
        jdbc.sql(
                "select "
                    + Window.bucketSql("created_at")
                    + " as b,"
                    + " count(*) as n from devices where organisation_id = ?"
                    + " and created_at >= ? and created_at < ? group by 1")
            .params(start, step, organisationId, start, end)
            .query((rs, i) -> new Events(rs.getInt("b"), rs.getLong("n"), 0, 0, 0, 0))
            .list();
    List<Events> answers =
        jdbc.sql(
                "select "
                    + Window.bucketSql("at")
                    + " as b,"
                    + " count(*) filter (where scope = 'DOWNLOAD_FROM_PEERS' and decision ="
                    + " 'GRANTED') as dg,"
                    + " count(*) filter (where scope = 'UPLOAD_TO_PEERS' and decision ="
                    + " 'GRANTED') as ug,"
                    + " count(*) filter (where scope = 'DOWNLOAD_FROM_PEERS' and decision ="
                    + " 'WITHDRAWN') as dw,"
                    + " count(*) filter (where scope = 'UPLOAD_TO_PEERS' and decision ="
                    + " 'WITHDRAWN') as uw"
                    + " from consent_records where organisation_id = ?"
                    + " and at >= ? and at < ? group by 1")
            .params(start, step, organisationId, start, end)
            .query(
                (rs, i) ->
                    new Events(
                        rs.getInt("b"),
                        0,
                        rs.getLong("dg"),
                        rs.getLong("ug"),
                        rs.getLong("dw"),
                        rs.getLong("uw")))
            .list();
    int n = window.buckets();
    State[] stateOf = new State[n];
    states.forEach(s -> stateOf[s.bucket()] = s);
    long[] enrolled = new long[n];
    enrolments.forEach(e -> enrolled[e.bucket()] = e.enrolments());
    Events[] answersOf = new Events[n];
    answers.forEach(e -> answersOf[e.bucket()] = e);
    List<DeviceBucket> buckets = new ArrayList<>(n);
    long[] sums = new long[5];
    for (int i = 0; i < n; i++) {
      State s = stateOf[i];
      Events a = answersOf[i] == null ? new Events(i, 0, 0, 0, 0, 0) : answersOf[i];
      buckets.add(
          new DeviceBucket(
              window.bucketStart(i),
              s.enrolled(),
              s.download(),
              s.upload(),
              enrolled[i],
              a.downloadGrants(),
              a.uploadGrants(),
              a.downloadWithdrawals(),
              a.uploadWithdrawals()));
      sums[0] += enrolled[i];
      sums[1] += a.downloadGrants();
      sums[2] += a.uploadGrants();
      sums[3] += a.downloadWithdrawals();
      sums[4] += a.uploadWithdrawals();
    }
    return new DeviceConsentAggregates(
        current,
        window.start(),
        window.end(),
        step,
        new DeviceTotals(sums[0], sums[1], sums[2], sums[3], sums[4]),
        buckets,
        jdbc.sql("select min(created_at) from devices where organisation_id = ?")
            .param(organisationId)
            // min() gives one row, null when there is nothing to take the minimum of
            .query((rs, row) -> instant(rs.getObject(1, OffsetDateTime.class)))
            .list()
            .get(0));
  }

  private static Instant instant(OffsetDateTime at) {
    return at == null ? null : at.toInstant();
  }
}
