package dev.shoal.controlplane.consent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.controlplane.support.TestOrganisations.TestOrganisation;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Response;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * GET /api/v1/devices/aggregates counts what devices really sent: enrolled and revoked devices,
 * consent now and at the end of each bucket, grants and withdrawals per bucket; numbers only.
 */
class DeviceAggregatesTest extends ApiTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String SHA = "ab".repeat(32);

  @Autowired JdbcClient jdbc;

  private static String record(String deviceId, String scope, String decision, Instant at) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("deviceId", deviceId);
    r.put("scope", scope);
    r.put("decision", decision);
    r.put("at", at.toString());
    r.put("askedWhere", "INSTALLER");
    r.put("textId", "t");
    r.put("textVersion", 2);
    r.put("textLocale", "fr");
    r.put("textSha256", SHA);
    return JSON.writeValueAsString(r);
  }

  private static void send(Device device, String scope, String decision, Instant at) {
    Response response =
        device.post("/api/v1/device/consent", record(device.deviceId(), scope, decision, at));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  @Test
  void countsDevicesAndConsentNowAndOverTime() throws InterruptedException {
    long step = 600;
    // Not within a few seconds of a bucket's end: the test's buckets must not move while it runs.
    long left = step - Math.floorMod(Instant.now().getEpochSecond(), step);
    if (left < 30) {
      Thread.sleep((left + 1) * 1000);
    }
    TestOrganisation org = organisations.create();
    String slug = org.organisation().slug();
    Device a = Device.create(http().baseUrl()).enrolled(slug);
    Device b = Device.create(http().baseUrl()).enrolled(slug);
    Device c = Device.create(http().baseUrl()).enrolled(slug);
    Device d = Device.create(http().baseUrl()).enrolled(slug);
    Instant now = Instant.now();
    Instant t = Instant.ofEpochSecond(Math.floorDiv(now.getEpochSecond(), step) * step);
    // The devices were enrolled well before the window (backdated: the test cannot wait hours).
    jdbc.sql("update devices set created_at = ? where id in (?, ?, ?, ?)")
        .params(
            OffsetDateTime.ofInstant(t.minusSeconds(3500), ZoneOffset.UTC),
            a.deviceId(),
            b.deviceId(),
            c.deviceId(),
            d.deviceId())
        .update();
    send(b, "DOWNLOAD_FROM_PEERS", "GRANTED", t.minusSeconds(2900)); // bucket 0
    send(a, "DOWNLOAD_FROM_PEERS", "GRANTED", t.minusSeconds(1700)); // bucket 2
    send(a, "UPLOAD_TO_PEERS", "GRANTED", t.minusSeconds(1700));
    send(d, "UPLOAD_TO_PEERS", "GRANTED", t.minusSeconds(1700));
    send(b, "DOWNLOAD_FROM_PEERS", "WITHDRAWN", t.minusSeconds(500)); // bucket 4
    ApiClient.Credentials admin = ApiClient.Credentials.apiKey(org.keys().get(Role.ADMIN));
    assertThat(http().send("DELETE", "/api/v1/devices/" + d.deviceId(), admin, null, "").status())
        .isEqualTo(204);

    Response response =
        http()
            .get(
                "/api/v1/devices/aggregates?from="
                    + t.minusSeconds(3000)
                    + "&to="
                    + now
                    + "&step="
                    + step,
                ApiClient.Credentials.apiKey(org.keys().get(Role.VIEWER)));

    assertThat(response.status()).as(response.body()).isEqualTo(200);
    for (Device device : List.of(a, b, c, d)) {
      assertThat(response.body()).doesNotContain(device.deviceId());
    }
    JsonNode body = response.json();
    JsonNode current = body.get("current");
    assertThat(
            longs(
                current,
                "enrolledDevices",
                "revokedDevices",
                "downloadConsent",
                "uploadConsent",
                "neverAnswered"))
        .containsExactly(3, 1, 1, 1, 1);
    assertThat(body.get("stepSeconds").asLong()).isEqualTo(step);
    assertThat(Instant.parse(body.get("from").asString())).isEqualTo(t.minusSeconds(3000));
    JsonNode buckets = body.get("buckets");
    assertThat(buckets.size()).isEqualTo(6);
    // State at the end of each bucket: enrolled, download consent, upload consent.
    long[][] states = {{4, 1, 0}, {4, 1, 0}, {4, 2, 2}, {4, 2, 2}, {4, 1, 2}, {3, 1, 1}};
    // Events in each bucket: download grants, upload grants, download withdrawals.
    long[][] events = {{1, 0, 0}, {0, 0, 0}, {1, 2, 0}, {0, 0, 0}, {0, 0, 1}, {0, 0, 0}};
    for (int i = 0; i < 6; i++) {
      JsonNode bucket = buckets.get(i);
      assertThat(Instant.parse(bucket.get("start").asString()))
          .isEqualTo(t.minusSeconds(3000 - i * step));
      assertThat(longs(bucket, "enrolledDevices", "downloadConsent", "uploadConsent"))
          .as("state at the end of bucket %d", i)
          .containsExactly(states[i]);
      assertThat(longs(bucket, "downloadGrants", "uploadGrants", "downloadWithdrawals"))
          .as("events in bucket %d", i)
          .containsExactly(events[i]);
      assertThat(bucket.get("uploadWithdrawals").asLong()).isZero();
      assertThat(bucket.get("enrolments").asLong()).isZero();
    }
    JsonNode totals = body.get("totals");
    assertThat(totals.get("downloadGrants").asLong()).isEqualTo(2);
    assertThat(totals.get("uploadGrants").asLong()).isEqualTo(2);
    assertThat(totals.get("downloadWithdrawals").asLong()).isEqualTo(1);
    assertThat(totals.get("uploadWithdrawals").asLong()).isZero();

    // Another organisation sees only its own (none).
    JsonNode other =
        http()
            .get(
                "/api/v1/devices/aggregates",
                ApiClient.Credentials.apiKey(organisations.create().keys().get(Role.VIEWER)))
            .json();
    assertThat(other.get("current").get("enrolledDevices").asLong()).isZero();
    // No device enrolled: no first enrolment to chart from.
    assertThat(other.get("since").isNull()).isTrue();
    assertThat(other.get("totals").get("downloadGrants").asLong()).isZero();
  }

  @Test
  void enrolmentsAreCountedInTheirBucket() {
    TestOrganisation org = organisations.create();
    Device.create(http().baseUrl()).enrolled(org.organisation().slug());
    Device.create(http().baseUrl()).enrolled(org.organisation().slug());

    JsonNode body =
        http()
            .get(
                "/api/v1/devices/aggregates?from=" + Instant.now().minusSeconds(3600),
                ApiClient.Credentials.apiKey(org.keys().get(Role.VIEWER)))
            .json();

    assertThat(body.get("stepSeconds").asLong()).isEqualTo(60);
    assertThat(body.get("totals").get("enrolments").asLong()).isEqualTo(2);
    JsonNode last = body.get("buckets").get(body.get("buckets").size() - 1);
    assertThat(last.get("enrolledDevices").asLong()).isEqualTo(2);
    assertThat(body.get("current").get("neverAnswered").asLong()).isEqualTo(2);
  }

  @Test
  void aBadWindowIsA400ProblemNamingTheParameter() {
    ApiClient.Credentials viewer =
        ApiClient.Credentials.apiKey(organisations.create().keys().get(Role.VIEWER));
    Map<String, String> cases =
        Map.of(
            "?from=yesterday", "from",
            "?to=2026-01-01T00:00:00Z&from=2026-01-02T00:00:00Z", "from",
            "?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from",
            "?step=5", "step",
            "?step=60&from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z", "step",
            "?to=now", "to");
    cases.forEach(
        (query, field) -> {
          Response response = http().get("/api/v1/devices/aggregates" + query, viewer);
          assertThat(response.status()).as(query).isEqualTo(400);
          assertThat(response.contentType()).startsWith("application/problem+json");
          assertThat(response.json().get("errors").findValuesAsString("field"))
              .as(query)
              .containsExactly(field);
        });
  }

  /** The named number fields of {@code node}, in that order. */
  private static long[] longs(JsonNode node, String... fields) {
    return Arrays.stream(fields).mapToLong(f -> node.get(f).asLong()).toArray();
  }
}
