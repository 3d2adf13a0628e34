package dev.shoal.protocol.manifest;

import static dev.shoal.protocol.Fixtures.NOW;
import static dev.shoal.protocol.Fixtures.PUBLISHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.manifest.ManifestRejectedException.Reason;
import dev.shoal.protocol.signing.SignedEnvelope;
import java.security.KeyPair;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ChannelHeadTest {
  private static final ReleaseManifest MANIFEST = Fixtures.sample(); // starfall/live v42
  private static final String DEVICE = "d-" + "ab".repeat(16);

  @Test
  void aFreshHeadNamingTheManifestsVersionPasses() {
    ChannelHead head = head(42, Duration.ofHours(6));
    assertThat(verify(sign(head, PUBLISHER), NOW)).isEqualTo(head);
    assertThat(ChannelHead.parse(head.encode())).isEqualTo(head);
  }

  @Test
  void anExpiredHeadIsStale() {
    byte[] old = sign(head(42, Duration.ofHours(6)), PUBLISHER);
    assertRejected(old, NOW.plus(Duration.ofHours(6)), Reason.STALE, "expired");
  }

  @Test
  void aHeadNamingANewerVersionRefusesAnOlderManifest() {
    assertRejected(
        sign(head(43, Duration.ofHours(6)), PUBLISHER), NOW, Reason.NOT_LATEST, "version 43");
  }

  @Test
  void aHeadForAnotherDeviceProductOrChannelIsRefused() {
    ChannelHead h = head(42, Duration.ofHours(6));
    for (ChannelHead other :
        new ChannelHead[] {
          new ChannelHead(h.product(), h.channel(), "d-" + "cd".repeat(16), 42, NOW, h.expiresAt()),
          new ChannelHead("other", h.channel(), DEVICE, 42, NOW, h.expiresAt()),
          new ChannelHead(h.product(), "beta", DEVICE, 42, NOW, h.expiresAt())
        }) {
      assertRejected(sign(other, PUBLISHER), NOW, Reason.WRONG_CHANNEL, "channel head is for");
    }
  }

  @Test
  void aHeadSignedByAnotherKeyOrTamperedIsRefused() {
    KeyPair stranger = Fixtures.ed25519(99);
    assertRejected(
        sign(head(42, Duration.ofHours(6)), stranger), NOW, Reason.UNTRUSTED_KEY, "threshold");
    SignedEnvelope good = SignedEnvelope.parse(sign(head(42, Duration.ofHours(6)), PUBLISHER));
    byte[] payload = good.payload();
    payload[payload.length - 3] ^= 1; // the version's digit
    byte[] tampered = new SignedEnvelope(payload, good.signatures()).encode();
    assertRejected(tampered, NOW, Reason.BAD_SIGNATURE, "does not verify");
    assertRejected(new byte[] {1, 2, 3}, NOW, Reason.MALFORMED, "");
  }

  private static ChannelHead head(long version, Duration validFor) {
    return new ChannelHead(
        MANIFEST.product(), MANIFEST.channel(), DEVICE, version, NOW, NOW.plus(validFor));
  }

  private static byte[] sign(ChannelHead head, KeyPair key) {
    return SignedEnvelope.sign(head.encode(), key).encode();
  }

  private static ChannelHead verify(byte[] envelope, java.time.Instant now) {
    return ChannelHead.verify(envelope, ManifestVerifierTest.ROOT, MANIFEST, DEVICE, now);
  }

  private static void assertRejected(
      byte[] envelope, java.time.Instant now, Reason reason, String message) {
    assertThatThrownBy(() -> verify(envelope, now))
        .isInstanceOfSatisfying(
            ManifestRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason))
        .hasMessageContaining(message);
  }
}
