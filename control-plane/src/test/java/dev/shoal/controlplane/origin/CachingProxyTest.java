package dev.shoal.controlplane.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.release.Releases;
import dev.shoal.controlplane.support.Nginx;
import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.controlplane.support.PublishedPack;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentHandle;
import dev.shoal.swarm.TorrentJob;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Response;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The cacheable origin behind Debian's nginx as the CDN stand-in: devices' passkey URLs redirect to
 * a content-addressed URL with a short-lived token; nginx caches the pack once (the token is not in
 * its cache key) and asks the origin about each token ({@code auth_request}); several devices
 * downloading the pack with the swarm engine's web seed cost the origin about one copy.
 */
@Tag("slow")
class CachingProxyTest extends OrganisationTest {

  private static final int PROXY_PORT = Nginx.reservePort();
  private static final int AGENTS = 4;

  @DynamicPropertySource
  static void cacheableUrl(DynamicPropertyRegistry registry) {
    registry.add("shoal.origin.cacheable-url", () -> "http://127.0.0.1:" + PROXY_PORT + "/");
  }

  @Autowired MeterRegistry meters;
  @Autowired Releases releases;

  private Nginx nginx;
  private PublishedPack pack;
  private byte[] build;

  @BeforeEach
  void proxyAndPack() {
    nginx =
        Nginx.start(
            PROXY_PORT,
            """
            proxy_cache_path {prefix}/cache keys_zone=packs:1m max_size=1g inactive=1d use_temp_path=off;
            upstream origin { server 127.0.0.1:%d; }
            server {
              listen 127.0.0.1:%d;
              location /origin/packs/ {
                auth_request /_token;
                proxy_pass http://origin;
                proxy_cache packs;
                proxy_cache_key $uri;
                proxy_cache_lock on;
                proxy_cache_lock_timeout 60s;
                add_header X-Cache $upstream_cache_status;
              }
              location = /_token {
                internal;
                proxy_pass http://origin/origin/token-check;
                proxy_pass_request_body off;
                proxy_set_header Content-Length "";
                proxy_set_header X-Original-URI $request_uri;
              }
            }
            """
                .formatted(port, PROXY_PORT));
    build = new byte[3 << 20];
    new Random(7).nextBytes(build);
    pack = new PublishedPack(http.as(admin), org.organisation().slug(), Map.of("game.bin", build));
  }

  @AfterEach
  void stopProxy() {
    if (nginx != null) {
      nginx.close();
    }
  }

  private URI passkeyUrl(Device device) {
    return URI.create(http().baseUrl() + "/origin/" + device.passkey() + "/packs/" + pack.infoHash);
  }

  private static Response get(URI url, String range) {
    HttpRequest.Builder request = HttpRequest.newBuilder(url).GET();
    if (range != null) {
      request.header("Range", range);
    }
    return ApiClient.exchange(request.build());
  }

  @Test
  void thePasskeyUrlRedirectsToAnImmutableContentAddressedUrlWithAShortLivedToken() {
    Device device = pack.device();
    pack.grant(device);
    Response redirect = get(passkeyUrl(device), null);
    assertThat(redirect.status()).isEqualTo(307);
    assertThat(redirect.headers().firstValue("Cache-Control")).hasValue("no-store");
    URI location = URI.create(redirect.headers().firstValue("Location").orElseThrow());
    assertThat(location.toString())
        .startsWith("http://127.0.0.1:" + PROXY_PORT + "/origin/packs/" + pack.infoHash + "?token=")
        .doesNotContain(device.passkey());

    // At the origin itself (what the CDN asks on a miss): immutable, strong ETag, ranges.
    URI atOrigin =
        URI.create(http().baseUrl() + location.getRawPath() + "?" + location.getRawQuery());
    Response whole = get(atOrigin, null);
    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.headers().firstValue("Cache-Control"))
        .hasValue("max-age=31536000, public, immutable");
    assertThat(whole.headers().firstValue("ETag")).hasValue("\"" + pack.infoHash + "\"");
    Response range = get(atOrigin, "bytes=10-19");
    assertThat(range.status()).isEqualTo(206);
    assertThat(range.bytes()).hasSize(10);

    URI withoutToken = URI.create(http().baseUrl() + location.getRawPath());
    assertThat(get(withoutToken, null).status()).isEqualTo(403);
    URI forged =
        URI.create(atOrigin.toString().substring(0, atOrigin.toString().length() - 4) + "AAAA");
    assertThat(get(forged, null).status()).isEqualTo(403);

    // Through the proxy: served, then from its cache; a bad token is refused even when cached.
    assertThat(get(location, "bytes=0-99").status()).isIn(200, 206);
    Response cached = get(location, "bytes=0-99");
    assertThat(cached.status()).isEqualTo(206);
    assertThat(cached.headers().firstValue("X-Cache")).hasValue("HIT");
    URI proxiedForged =
        URI.create(location.toString().substring(0, location.toString().length() - 4) + "AAAA");
    assertThat(get(proxiedForged, "bytes=0-99").status()).isEqualTo(403);
  }

  @Test
  void devicesFetchingThroughTheProxyCostTheOriginAboutOneCopy() throws Exception {
    Releases.Pack stored = releases.pack(pack.infoHash).orElseThrow();
    long packSize = Files.size(Path.of(stored.path()));
    double before = egress();
    List<Swarm> swarms = new ArrayList<>();
    List<TorrentHandle> downloads = new ArrayList<>();
    try {
      for (int i = 0; i < AGENTS; i++) {
        Device device = pack.device();
        pack.grant(device);
        Swarm swarm =
            Swarm.start(SwarmConfig.builder().listenPort(0).bindAddress("127.0.0.1").build());
        swarms.add(swarm);
        Path out = Files.createTempDirectory("agent").resolve("pack");
        downloads.add(
            swarm.add(
                TorrentJob.builder(stored.torrent(), out)
                    .webSeeds(List.of(passkeyUrl(device)))
                    .build()));
      }
      for (TorrentHandle download : downloads) {
        assertThat(download.awaitCompletion(Duration.ofMinutes(2)).isComplete()).isTrue();
      }
    } finally {
      swarms.forEach(Swarm::close);
    }
    double served = egress() - before;
    System.out.printf(
        "origin sent %.0f bytes for %d devices of a %d-byte pack (%.2f copies)%n",
        served, AGENTS, packSize, served / packSize);
    assertThat(served).as("about one copy, not %d", AGENTS).isLessThan(1.5 * packSize);
  }

  private double egress() {
    var counter = meters.find("shoal.origin.egress").counter();
    return counter == null ? 0 : counter.count();
  }
}
