package dev.shoal.controlplane.consent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.controlplane.support.TestOrganisations.TestOrganisation;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Response;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * POST /api/v1/device/consent over real HTTP on the real database: records stored whole, resends
 * idempotent, the latest answer wins, another device's record refused, every malformed field
 * refused with a problem naming it; and the organisation's aggregates counting them.
 */
class ConsentApiTest extends ApiTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String SHA = "0123456789abcdef".repeat(4);

  @Autowired JdbcClient jdbc;

  private TestOrganisation org;
  private Device device;

  @BeforeEach
  void device() {
    org = organisations.create();
    device = Device.create(http().baseUrl()).enrolled(org.organisation().slug());
  }

  /** A grant as the agent writes it (Jackson, Instant with nanoseconds). */
  private static Map<String, Object> grant(String deviceId, String scope, Instant at) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("deviceId", deviceId);
    r.put("scope", scope);
    r.put("decision", "GRANTED");
    r.put("at", at.toString());
    r.put("askedWhere", "LAUNCHER");
    r.put("textId", scope.equals("UPLOAD_TO_PEERS") ? "upload-to-peers" : "download-from-peers");
    r.put("textVersion", 1);
    r.put("textLocale", "en");
    r.put("textSha256", SHA);
    return r;
  }

  private static Map<String, Object> withdrawal(String deviceId, String scope, Instant at) {
    Map<String, Object> r = grant(deviceId, scope, at);
    r.put("decision", "WITHDRAWN");
    r.put("askedWhere", "SETTINGS");
    return r;
  }

  private Response post(Object record) {
    return device.post("/api/v1/device/consent", JSON.writeValueAsString(record));
  }

  private long stored(String scope) {
    return jdbc.sql("select count(*) from consent_records where device_id = ? and scope = ?")
        .params(device.deviceId(), scope)
        .query(Long.class)
        .single();
  }

  private Boolean current(String scope) {
    return jdbc.sql("select granted from device_consent where device_id = ? and scope = ?")
        .params(device.deviceId(), scope)
        .query(Boolean.class)
        .optional()
        .orElse(null);
  }

  @Test
  void aGrantIsStoredWholeAndBecomesTheCurrentAnswer() {
    Instant at = Instant.parse("2026-03-04T05:06:07.123456789Z");
    Response response = post(grant(device.deviceId(), "UPLOAD_TO_PEERS", at));

    assertThat(response.status()).as(response.body()).isEqualTo(201);
    JsonNode body = response.json();
    assertThat(body.get("deviceId").asString()).isEqualTo(device.deviceId());
    assertThat(body.get("scope").asString()).isEqualTo("UPLOAD_TO_PEERS");
    assertThat(body.get("decision").asString()).isEqualTo("GRANTED");
    assertThat(Instant.parse(body.get("at").asString()))
        .isEqualTo(at.truncatedTo(ChronoUnit.MICROS));
    assertThat(body.get("textSha256").asString()).isEqualTo(SHA);
    Map<String, Object> row =
        jdbc.sql(
                "select organisation_id, asked_where, text_id, text_version, text_locale,"
                    + " text_sha256 from consent_records where device_id = ?")
            .param(device.deviceId())
            .query()
            .singleRow();
    assertThat(row)
        .containsEntry("organisation_id", org.organisation().id())
        .containsEntry("asked_where", "LAUNCHER")
        .containsEntry("text_id", "upload-to-peers")
        .containsEntry("text_version", 1)
        .containsEntry("text_locale", "en")
        .containsEntry("text_sha256", SHA);
    assertThat(current("UPLOAD_TO_PEERS")).isTrue();
    assertThat(current("DOWNLOAD_FROM_PEERS")).isNull();
  }

  @Test
  void resendingTheSameRecordStoresItOnceAndAnswers200() {
    Map<String, Object> record = grant(device.deviceId(), "DOWNLOAD_FROM_PEERS", Instant.now());
    byte[] json = JSON.writeValueAsBytes(record);
    Instant now = Instant.now();
    Response first = device.send("POST", "/api/v1/device/consent", json, now);
    // Signed a second and two seconds earlier: the outbox sender retrying, not a replay of the
    // same signature (which the device filter refuses).
    Response again = device.send("POST", "/api/v1/device/consent", json, now.minusSeconds(1));
    Response third = device.send("POST", "/api/v1/device/consent", json, now.minusSeconds(2));

    assertThat(first.status()).as(first.body()).isEqualTo(201);
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(third.status()).as(third.body()).isEqualTo(200);
    assertThat(again.json().get("receivedAt").asString())
        .isEqualTo(first.json().get("receivedAt").asString());
    assertThat(stored("DOWNLOAD_FROM_PEERS")).isEqualTo(1);
    assertThat(current("DOWNLOAD_FROM_PEERS")).isTrue();
  }

  @Test
  void theLatestAnswerWinsEvenWhenAnOlderOneArrivesLast() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    assertThat(post(grant(device.deviceId(), "UPLOAD_TO_PEERS", now.minusSeconds(60))).status())
        .isEqualTo(201);
    assertThat(
            post(withdrawal(device.deviceId(), "UPLOAD_TO_PEERS", now.minusSeconds(30))).status())
        .isEqualTo(201);
    assertThat(current("UPLOAD_TO_PEERS")).isFalse();

    // An outbox line from before the withdrawal arrives late: kept, but not the current answer.
    assertThat(post(grant(device.deviceId(), "UPLOAD_TO_PEERS", now.minusSeconds(45))).status())
        .isEqualTo(201);
    assertThat(current("UPLOAD_TO_PEERS")).isFalse();
    assertThat(stored("UPLOAD_TO_PEERS")).isEqualTo(3);

    assertThat(post(grant(device.deviceId(), "UPLOAD_TO_PEERS", now.minusSeconds(10))).status())
        .isEqualTo(201);
    assertThat(current("UPLOAD_TO_PEERS")).isTrue();
    // A grant and a withdrawal at the same instant: the withdrawal wins.
    assertThat(
            post(withdrawal(device.deviceId(), "UPLOAD_TO_PEERS", now.minusSeconds(10))).status())
        .isEqualTo(201);
    assertThat(current("UPLOAD_TO_PEERS")).isFalse();
  }

  @Test
  void aWithdrawalWithoutAPreviousGrantNeedsNoText() {
    Map<String, Object> r = withdrawal(device.deviceId(), "DOWNLOAD_FROM_PEERS", Instant.now());
    for (String field : List.of("textId", "textVersion", "textLocale", "textSha256")) {
      r.put(field, null);
    }
    Response response = post(r);

    assertThat(response.status()).as(response.body()).isEqualTo(201);
    assertThat(response.json().get("textSha256").isNull()).isTrue();
    assertThat(current("DOWNLOAD_FROM_PEERS")).isFalse();
  }

  @Test
  void anotherDevicesRecordIsRefusedWith403() {
    Device other = Device.create(http().baseUrl()).enrolled(org.organisation().slug());
    Response response = post(grant(other.deviceId(), "UPLOAD_TO_PEERS", Instant.now()));

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(response.json().get("detail").asString()).contains("not the device that signed");
    assertThat(
            jdbc.sql("select count(*) from consent_records where device_id in (?, ?)")
                .params(device.deviceId(), other.deviceId())
                .query(Long.class)
                .single())
        .isZero();
  }

  @Test
  void aDifferentRecordWithTheSameKeyIsAConflict() {
    Instant at = Instant.now();
    assertThat(post(grant(device.deviceId(), "UPLOAD_TO_PEERS", at)).status()).isEqualTo(201);
    Map<String, Object> changed = grant(device.deviceId(), "UPLOAD_TO_PEERS", at);
    changed.put("textLocale", "fr");
    Response response = post(changed);

    assertThat(response.status()).isEqualTo(409);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(stored("UPLOAD_TO_PEERS")).isEqualTo(1);
  }

  @Test
  void unsignedRequestsAreRefused() {
    Response response =
        http()
            .post(
                "/api/v1/device/consent",
                ApiClient.Credentials.apiKey(org.keys().get(Role.ADMIN)),
                JSON.writeValueAsString(
                    grant(device.deviceId(), "UPLOAD_TO_PEERS", Instant.now())));

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.contentType()).startsWith("application/problem+json");
  }

  static Stream<Arguments> malformed() {
    List<Arguments> cases = new java.util.ArrayList<>();
    cases.add(
        Arguments.of(
            "deviceId",
            "missing field",
            (Consumer<Map<String, Object>>) r -> r.remove("deviceId")));
    cases.add(Arguments.of("deviceId", "not a device id", put("deviceId", "device-1")));
    cases.add(Arguments.of("deviceId", "a number", put("deviceId", 42)));
    cases.add(Arguments.of("scope", "unknown scope", put("scope", "SHARE_EVERYTHING")));
    cases.add(Arguments.of("scope", "lower case", put("scope", "upload_to_peers")));
    cases.add(Arguments.of("scope", "null", put("scope", null)));
    cases.add(Arguments.of("decision", "unknown decision", put("decision", "MAYBE")));
    cases.add(Arguments.of("at", "not a date", put("at", "yesterday")));
    cases.add(Arguments.of("at", "a local time", put("at", "2026-03-04T05:06:07")));
    cases.add(Arguments.of("at", "epoch seconds", put("at", 1772600767)));
    cases.add(
        Arguments.of("at", "far future", put("at", Instant.now().plusSeconds(3600).toString())));
    cases.add(Arguments.of("at", "before 2020", put("at", "2019-12-31T23:59:59Z")));
    cases.add(Arguments.of("askedWhere", "unknown place", put("askedWhere", "EMAIL")));
    cases.add(Arguments.of("textId", "empty", put("textId", "")));
    cases.add(Arguments.of("textId", "with a slash", put("textId", "../etc")));
    cases.add(Arguments.of("textVersion", "a string", put("textVersion", "1")));
    cases.add(Arguments.of("textVersion", "a fraction", put("textVersion", 1.5)));
    cases.add(Arguments.of("textVersion", "zero", put("textVersion", 0)));
    cases.add(Arguments.of("textVersion", "too big", put("textVersion", 5_000_000_000L)));
    cases.add(Arguments.of("textLocale", "not a language tag", put("textLocale", "english!")));
    cases.add(Arguments.of("textSha256", "upper case", put("textSha256", SHA.toUpperCase())));
    cases.add(Arguments.of("textSha256", "63 digits", put("textSha256", SHA.substring(1))));
    cases.add(Arguments.of("textSha256", "a grant without its text", put("textSha256", null)));
    cases.add(Arguments.of("extra", "an unknown field", put("extra", true)));
    cases.add(
        Arguments.of(
            "textLocale",
            "a withdrawal naming half a text",
            (Consumer<Map<String, Object>>)
                r -> {
                  r.put("decision", "WITHDRAWN");
                  r.put("textLocale", null);
                }));
    return cases.stream();
  }

  private static Consumer<Map<String, Object>> put(String field, Object value) {
    return r -> r.put(field, value);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("malformed")
  void aMalformedFieldIsA400ProblemNamingIt(
      String field, String what, Consumer<Map<String, Object>> change) {
    Map<String, Object> record = grant(device.deviceId(), "UPLOAD_TO_PEERS", Instant.now());
    change.accept(record);
    Response response = post(record);

    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.contentType()).startsWith("application/problem+json");
    JsonNode problem = response.json();
    assertThat(problem.get("type").asString()).isEqualTo("urn:shoal:problem:validation");
    assertThat(problem.get("errors").findValuesAsString("field")).contains(field);
    assertThat(stored("UPLOAD_TO_PEERS")).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notARecord")
  void aBodyThatIsNotOneJsonObjectIsA400Problem(String what, String body) {
    Response response = device.post("/api/v1/device/consent", body);

    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(stored("UPLOAD_TO_PEERS")).isZero();
  }

  static Stream<Arguments> notARecord() {
    String good =
        JSON.writeValueAsString(grant("d-" + "0".repeat(32), "UPLOAD_TO_PEERS", Instant.now()));
    return Stream.of(
        Arguments.of("empty", ""),
        Arguments.of("not JSON", "consent: yes"),
        Arguments.of("an array", "[" + good + "]"),
        Arguments.of("a string", "\"GRANTED\""),
        Arguments.of("two objects", good + good),
        Arguments.of("a duplicate key", good.replace("{", "{\"scope\":\"UPLOAD_TO_PEERS\",")),
        Arguments.of("cut short", good.substring(0, good.length() - 3)));
  }
}
