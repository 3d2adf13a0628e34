package dev.shoal.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.testsupport.Announces;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The swarm-health read side adds up what really happened: devices announce to the real tracker
 * (one offering uploads, one not), fetch ranges from the real origin, and report downloads; a
 * sample is taken; the release's and the product's series give back exactly those numbers.
 */
class SwarmHealthTest extends OrganisationTest {

  @Autowired HealthSampler sampler;
  @Autowired io.micrometer.core.instrument.MeterRegistry meters;

  private Publisher builds;

  @BeforeEach
  void product() {
    builds = Publisher.of(http.as(admin)).product("game", "stable", "beta");
  }

  private String publishedRelease(String channel, String content) {
    String id =
        builds
            .release(
                "game",
                channel,
                Map.of("game.bin", content.repeat(200).getBytes(StandardCharsets.UTF_8)),
                "1.0")
            .get("id")
            .asString();
    assertThat(
            http()
                .post("/api/v1/releases/" + id + "/publish", admin, ApiClient.json("rollout", 100))
                .status())
        .isEqualTo(200);
    return id;
  }

  private String infoHash(String releaseId) {
    Response manifest = http().get("/api/v1/releases/" + releaseId + "/manifest", admin);
    return ManifestCodec.parse(
            SignedEnvelope.parse(manifest.body().getBytes(StandardCharsets.UTF_8)).payload())
        .fullPack()
        .infoHash();
  }

  private Device entitledDevice() {
    Device device = Device.create(http().baseUrl()).enrolled(org.organisation().slug());
    builds.entitle("game", device.deviceId());
    return device;
  }

  private void announce(Device device, String infoHash, boolean upload) {
    AnnounceRequest request =
        Announces.request(infoHash, 6881, 1000, AnnounceRequest.Event.STARTED);
    String url = request.toUrl(device.announceUrl()) + (upload ? "" : "&upload=0");
    assertThat(Announces.send(url).failureReason()).isNull();
  }

  private long originRange(Device device, String infoHash, int first, int last) {
    Response response =
        http()
            .send(
                http()
                    .request("/origin/" + device.passkey() + "/packs/" + infoHash)
                    .header("Range", "bytes=" + first + "-" + last)
                    .GET()
                    .build());
    assertThat(response.status()).isEqualTo(206);
    return Long.parseLong(response.headers().firstValue("Content-Length").orElseThrow());
  }

  private static void report(
      Device device, String releaseId, long peers, long origin, String result) {
    Response response = device.reportDownload(releaseId, peers, origin, 0, 1500, result);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
  }

  private JsonNode health(String path) {
    Instant now = Instant.now();
    Response response =
        http()
            .get(
                path
                    + "?from="
                    + now.minusSeconds(600)
                    + "&to="
                    + now.plusSeconds(120)
                    + "&step=60",
                viewer);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  private static long sum(JsonNode buckets, String field) {
    long sum = 0;
    for (JsonNode b : buckets) {
      sum += b.get(field).isNull() ? 0 : b.get(field).asLong();
    }
    return sum;
  }

  @Test
  void theReleaseAndProductSeriesAddUpToWhatDevicesDidAndTheOriginSent() {
    String release = publishedRelease("stable", "stable build ");
    String beta = publishedRelease("beta", "beta build ");
    String hash = infoHash(release);
    Device a = entitledDevice();
    Device b = entitledDevice();

    announce(a, hash, true);
    announce(b, hash, false);
    double egressBefore = originEgress();
    long served = originRange(a, hash, 0, 99) + originRange(b, hash, 100, 349);
    assertThat(served).isEqualTo(350);
    // The origin counts a response once it is complete (afterCompletion), which may be a moment
    // after the client has read it: sample only once both are counted.
    await().atMost(Duration.ofSeconds(10)).until(() -> originEgress() - egressBefore >= 350);
    sampler.sample();
    report(a, release, 1000, 100, "ok");
    report(b, release, 0, 250, "ok");
    report(b, release, 10, 5, "disk_full");
    report(a, beta, 500, 0, "ok");

    JsonNode series = health("/api/v1/releases/" + release + "/health");
    JsonNode totals = series.get("totals");
    assertThat(series.get("subject").get("releaseId").asString()).isEqualTo(release);
    assertThat(series.get("subject").get("channel").asString()).isEqualTo("stable");
    assertThat(totals.get("downloads").asLong()).isEqualTo(2);
    assertThat(totals.get("failures").asLong()).isEqualTo(1);
    assertThat(totals.get("bytesFromPeers").asLong()).isEqualTo(1010);
    assertThat(totals.get("bytesFromOrigin").asLong()).isEqualTo(355);
    assertThat(totals.get("offloadRatio").asDouble()).isCloseTo(1010.0 / 1365, within(1e-9));
    assertThat(totals.get("originHttpBytes").asLong()).isEqualTo(350);
    assertThat(totals.get("originSeederBytes").asLong()).isZero();
    assertThat(totals.get("originEgressBytes").asLong()).isEqualTo(350);
    assertThat(totals.get("peakActivePeers").asInt()).isEqualTo(2);
    assertThat(totals.get("peakUploadingPeers").asInt()).isEqualTo(1);
    JsonNode buckets = series.get("buckets");
    assertThat(buckets.size()).isBetween(12, 13);
    assertThat(series.get("stepSeconds").asLong()).isEqualTo(60);
    for (String field :
        new String[] {
          "downloads", "failures", "bytesFromPeers", "bytesFromOrigin", "originHttpBytes"
        }) {
      assertThat(sum(buckets, field)).as(field).isEqualTo(totals.get(field).asLong());
    }
    // The sample shows both devices, one of them offering uploads.
    boolean seen = false;
    for (JsonNode bucket : buckets) {
      if (!bucket.get("activePeers").isNull() && bucket.get("activePeers").asInt() == 2) {
        assertThat(bucket.get("uploadingPeers").asInt()).isEqualTo(1);
        seen = true;
      }
    }
    assertThat(seen).as("a bucket with the sample of both devices").isTrue();

    // The beta release has its own download only; the product sums both.
    JsonNode betaTotals = health("/api/v1/releases/" + beta + "/health").get("totals");
    assertThat(betaTotals.get("downloads").asLong()).isEqualTo(1);
    assertThat(betaTotals.get("bytesFromPeers").asLong()).isEqualTo(500);
    assertThat(betaTotals.get("offloadRatio").asDouble()).isEqualTo(1.0);
    assertThat(betaTotals.get("originEgressBytes").asLong()).isZero();
    JsonNode product = health("/api/v1/products/game/health");
    assertThat(product.get("subject").get("product").asString()).isEqualTo("game");
    JsonNode productTotals = product.get("totals");
    assertThat(productTotals.get("downloads").asLong()).isEqualTo(3);
    assertThat(productTotals.get("failures").asLong()).isEqualTo(1);
    assertThat(productTotals.get("bytesFromPeers").asLong()).isEqualTo(1510);
    assertThat(productTotals.get("bytesFromOrigin").asLong()).isEqualTo(355);
    assertThat(productTotals.get("originHttpBytes").asLong()).isEqualTo(350);
    assertThat(productTotals.get("peakActivePeers").asInt()).isEqualTo(2);
  }

  @Test
  void theSeriesSayWhenTheReleaseAndTheProductWereFirstPublished() {
    assertThat(health("/api/v1/products/game/health").get("since").isNull()).isTrue();
    String release = publishedRelease("stable", "first build ");
    String published =
        http().get("/api/v1/releases/" + release, viewer).json().get("publishedAt").asString();
    publishedRelease("stable", "second build ");

    // The dashboard charts a young swarm from this instant, not over a whole day.
    Instant since =
        Instant.parse(health("/api/v1/releases/" + release + "/health").get("since").asString());
    assertThat(since).isEqualTo(java.time.OffsetDateTime.parse(published).toInstant());
    assertThat(Instant.parse(health("/api/v1/products/game/health").get("since").asString()))
        .isEqualTo(since);
  }

  @Test
  void aReleaseWithNoActivityHasZerosAndNoRatio() {
    String release = publishedRelease("stable", "quiet build ");
    sampler.sample();

    JsonNode totals = health("/api/v1/releases/" + release + "/health").get("totals");

    assertThat(totals.get("downloads").asLong()).isZero();
    assertThat(totals.get("bytesFromPeers").asLong()).isZero();
    assertThat(totals.get("offloadRatio").isNull()).isTrue();
    assertThat(totals.get("peakActivePeers").asInt()).isZero();
    assertThat(totals.get("sampledBuckets").asInt()).isPositive();
  }

  @Test
  void anotherOrganisationsReleaseAndProductAreNotFound() {
    String release = publishedRelease("stable", "private build ");
    ApiClient.Credentials stranger =
        ApiClient.Credentials.apiKey(organisations.create().keys().get(Role.ADMIN));

    for (String path :
        new String[] {"/api/v1/releases/" + release + "/health", "/api/v1/products/game/health"}) {
      Response response = http().get(path, stranger);
      assertThat(response.status()).as(path).isEqualTo(404);
      assertThat(response.contentType()).startsWith("application/problem+json");
    }
  }

  @Test
  void theDefaultWindowIsTheLast24HoursIn5MinuteBuckets() {
    JsonNode series = http().get("/api/v1/products/game/health", viewer).json();

    assertThat(series.get("stepSeconds").asLong()).isEqualTo(300);
    assertThat(series.get("buckets").size()).isBetween(288, 289);
    assertThat(series.get("sampleIntervalSeconds").asLong()).isEqualTo(45);
  }

  @Test
  void theNewEndpointsAreDescribedInTheOpenApiDocument() {
    JsonNode doc = http().get("/v3/api-docs", ApiClient.Credentials.NONE).json();

    assertThat(doc.get("paths").propertyNames())
        .contains(
            "/api/v1/releases/{id}/health",
            "/api/v1/products/{slug}/health",
            "/api/v1/devices/aggregates",
            "/api/v1/device/consent");
    JsonNode schemas = doc.get("components").get("schemas");
    assertThat(schemas.get("ConsentRecord").get("properties").propertyNames())
        .containsExactlyInAnyOrder(
            "deviceId",
            "scope",
            "decision",
            "at",
            "askedWhere",
            "textId",
            "textVersion",
            "textLocale",
            "textSha256");
    assertThat(schemas.get("HealthBucket").get("properties").propertyNames())
        .contains("start", "activePeers", "downloads", "offloadRatio", "originEgressBytes");
    assertThat(schemas.get("DeviceBucket").get("properties").propertyNames())
        .contains("start", "enrolledDevices", "uploadConsent", "downloadWithdrawals");
    assertThat(doc.get("paths").get("/api/v1/releases/{id}/health").toString())
        .contains("\"from\"", "\"to\"", "\"step\"")
        .doesNotContain("\"caller\"");
  }

  private double originEgress() {
    var counter = meters.find("shoal.origin.egress").counter();
    return counter == null ? 0 : counter.count();
  }
}
