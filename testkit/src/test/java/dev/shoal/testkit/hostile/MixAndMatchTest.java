package dev.shoal.testkit.hostile;

import static dev.shoal.testkit.hostile.HostileWorld.build;
import static dev.shoal.testkit.hostile.HostileWorld.patched;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.crypto.KeyWrap;
import dev.shoal.protocol.crypto.X25519;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.testkit.hostile.HostileProxy.Reply;
import dev.shoal.testsupport.Publisher.Release;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * TUF "mix-and-match": the signed manifest is genuine, but what it points at comes from another
 * release: another pack's torrent, the content key of another release, a key that is not the
 * release's under the right key id, the bytes of another release's pack from the origin.
 */
class MixAndMatchTest extends HostileTest {
  MixAndMatchTest() {
    super(Start.V1_INSTALLED);
  }

  @Test
  void theTorrentOfAnotherReleasesPackIsRefused() throws Exception {
    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");
    String v1Pack = v1.manifest().fullPack().infoHash();
    Reply v1Torrent = world.proxy.genuine("/api/v1/device/packs/" + v1Pack + "/torrent");

    world.proxy.on(HostileProxy.TORRENT, (req, up) -> v1Torrent);
    world.assertInstallRefused(
        dir, "SIGNATURE", v1, "torrent does not match the pack in the signed manifest");

    world.proxy.clearRules();
    world.installGenuine("game", "stable", dir, v2.files());
  }

  @Test
  void theContentKeyOfAnotherReleaseIsRefused() throws Exception {
    Reply v1Key = world.proxy.genuine("POST /api/v1/device/products/game/content-key");
    world.admin.post("/api/v1/products/game/content-keys/rotate", Map.of()).assertSuccess();
    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");
    assertThat(v2.manifest().contentKeyId()).isNotEqualTo(v1.manifest().contentKeyId());

    world.proxy.on(HostileProxy.CONTENT_KEY, (req, up) -> v1Key);
    world.assertInstallRefused(dir, "SIGNATURE", v1, "wrapped key " + v1.manifest().contentKeyId());

    world.proxy.clearRules();
    world.installGenuine("game", "stable", dir, v2.files());
  }

  @Test
  void aKeyThatIsNotTheReleasesUnderTheRightKeyIdIsRefusedWithIntegrity() throws Exception {
    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");
    // Anyone can wrap a key for the device: wrapping needs only its public X25519 key.
    byte[] devicePublic =
        Base64.getUrlDecoder().decode(world.agent.agent().identity().agreementPublicKey());
    byte[] wrongKey = new byte[32];
    new SecureRandom().nextBytes(wrongKey);
    byte[] wrapped =
        KeyWrap.wrap(wrongKey, v2.manifest().contentKeyId(), X25519.publicKey(devicePublic))
            .encode();

    world.proxy.on(HostileProxy.CONTENT_KEY, (req, up) -> Forge.json(wrapped));
    world.assertInstallRefused(dir, "INTEGRITY", v1);

    world.proxy.clearRules();
    world.installGenuine("game", "stable", dir, v2.files());
  }

  @Test
  void theOriginServingAnotherReleasesPackBytesNeverGetsThemInstalled() throws Exception {
    // A whole new build, so the update's pack is as large as v1's full pack.
    Release v2 = world.publish("game", "stable", build(2), "2.0");
    String v1Pack = v1.manifest().fullPack().infoHash();
    AtomicInteger budget = new AtomicInteger(2);
    List<String> substituted = new CopyOnWriteArrayList<>();
    List<String> ranges = new CopyOnWriteArrayList<>();
    world.proxy.on(
        HostileProxy.ORIGIN,
        (req, up) -> {
          Matcher m = req.match(HostileProxy.ORIGIN);
          ranges.add(req.header("Range"));
          if (!m.group(2).equals(v1Pack) && budget.getAndDecrement() > 0) {
            Reply other = up.forward(req.withPath("/origin/" + m.group(1) + "/packs/" + v1Pack));
            if (other.status() == 206) {
              substituted.add(req.header("Range"));
            }
            return other;
          }
          return up.forward(req);
        });

    JsonNode s = world.install("game", "stable", dir);

    assertThat(substituted).as("the origin served v1's bytes for v2's pack").isNotEmpty();
    HostileWorld.assertFetchedAgain(substituted, ranges);
    world.assertInstalled(dir, s, v2);
    PackEntry used =
        v2.manifest().packs().stream()
            .filter(p -> p.kind().equals(s.get("packKind").asString()))
            .findFirst()
            .orElseThrow();
    assertThat(used.infoHash()).isNotEqualTo(v1Pack);
  }
}
