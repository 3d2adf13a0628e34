package dev.shoal.protocol.manifest;

import static dev.shoal.protocol.Fixtures.NOW;
import static dev.shoal.protocol.Fixtures.PUBLISHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.manifest.ManifestRejectedException.Reason;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class ManifestVerifierTest {
  static final TrustRoot ROOT = TrustRoot.of(1, 1, null, PUBLISHER.getPublic());
  static final KeyPair STRANGER = Fixtures.ed25519(99);

  @Test
  void acceptsTheSampleSignedByTheTrustedKey() {
    assertThat(verify(signed(sampleJson()), ROOT, 41)).isEqualTo(Fixtures.sample());
  }

  @Test
  void acceptsTheSameVersionAgainForRepairAndAFreshInstall() {
    assertThat(verify(signed(sampleJson()), ROOT, 42).version()).isEqualTo(42);
    assertThat(verify(signed(sampleJson()), ROOT, 0).version()).isEqualTo(42);
  }

  @Test
  void acceptsEnvelopeBytesFromTheWire() {
    byte[] wire = signed(sampleJson()).encode();
    assertThat(ManifestVerifier.verify(wire, ROOT, "starfall", "live", 0, NOW))
        .isEqualTo(Fixtures.sample());
  }

  @Test
  void forgedSignature() {
    SignedEnvelope good = signed(sampleJson());
    byte[] payload = good.payload();
    payload[payload.length - 2] ^= 1; // the version digit: 42 becomes 43
    SignedEnvelope forged = new SignedEnvelope(payload, good.signatures());
    assertRejected(forged, ROOT, 0, Reason.BAD_SIGNATURE, "does not verify");
  }

  @Test
  void reSignedByAnUntrustedKey() {
    SignedEnvelope byStranger = SignedEnvelope.sign(bytes(sampleJson()), STRANGER);
    assertRejected(byStranger, ROOT, 0, Reason.UNTRUSTED_KEY, "0 valid signatures");
  }

  @Test
  void unsigned() {
    SignedEnvelope none = new SignedEnvelope(bytes(sampleJson()), List.of());
    assertRejected(none, ROOT, 0, Reason.UNTRUSTED_KEY, "threshold 1");
  }

  @Test
  void thresholdCountsDistinctKeysOnly() {
    KeyPair second = Fixtures.ed25519(2);
    TrustRoot twoOfTwo = TrustRoot.of(1, 2, null, PUBLISHER.getPublic(), second.getPublic());
    SignedEnvelope twiceByOne = SignedEnvelope.sign(bytes(sampleJson()), PUBLISHER, PUBLISHER);
    assertRejected(twiceByOne, twoOfTwo, 0, Reason.UNTRUSTED_KEY, "1 valid signatures");
    SignedEnvelope plusStranger = twiceByOne.withSignature(STRANGER);
    assertRejected(plusStranger, twoOfTwo, 0, Reason.UNTRUSTED_KEY, "1 valid signatures");
    SignedEnvelope both = SignedEnvelope.sign(bytes(sampleJson()), STRANGER, PUBLISHER, second);
    assertThat(verify(both, twoOfTwo, 0)).isEqualTo(Fixtures.sample());
  }

  @Test
  void signingKeyIdMustHaveSigned() {
    KeyPair second = Fixtures.ed25519(2);
    TrustRoot either = TrustRoot.of(1, 1, null, PUBLISHER.getPublic(), second.getPublic());
    SignedEnvelope bySecond = SignedEnvelope.sign(bytes(sampleJson()), second);
    assertRejected(bySecond, either, 0, Reason.UNTRUSTED_KEY, "signingKeyId");
  }

  @Test
  void expired() {
    SignedEnvelope env = signed(sampleJson());
    assertThat(
            ManifestVerifier.verify(
                env, ROOT, "starfall", "live", 0, Fixtures.EXPIRES.minusSeconds(1)))
        .isNotNull();
    assertThatRejected(
            Reason.EXPIRED,
            () -> ManifestVerifier.verify(env, ROOT, "starfall", "live", 0, Fixtures.EXPIRES))
        .hasMessageContaining("manifest.expiresAt");
  }

  @Test
  void expiredTrustRoot() {
    TrustRoot old =
        TrustRoot.of(1, 1, Instant.parse("2026-11-01T00:00:00Z"), PUBLISHER.getPublic());
    assertRejected(signed(sampleJson()), old, 0, Reason.EXPIRED, "trust root v1 expired");
  }

  @Test
  void olderVersionThanInstalled() {
    assertRejected(
        signed(sampleJson()), ROOT, 43, Reason.ROLLBACK, "older than installed version 43");
  }

  @Test
  void wrongProduct() {
    assertThatRejected(
            Reason.WRONG_PRODUCT,
            () -> ManifestVerifier.verify(signed(sampleJson()), ROOT, "moonrise", "live", 0, NOW))
        .hasMessageContaining("manifest.product is starfall");
  }

  @Test
  void wrongChannel() {
    assertThatRejected(
            Reason.WRONG_CHANNEL,
            () -> ManifestVerifier.verify(signed(sampleJson()), ROOT, "starfall", "beta", 0, NOW))
        .hasMessageContaining("manifest.channel is live");
  }

  @Test
  void aGenuinelySignedManifestOfAnUnknownFormatIsRefusedSayingSo() {
    assertRejectedWith(
        "\"format\":2",
        "\"format\":3",
        Reason.MALFORMED,
        "manifest.format: 3 is not supported (this build reads formats 1..2; a newer format needs"
            + " a newer agent)");
  }

  @Test
  void aPatchOfAChunkNotInTheReleaseIsInconsistent() {
    String chunk = Fixtures.sha256Hex("exe-b2");
    String json = sampleJson();
    int at = json.indexOf("\"chunkId\":\"" + chunk);
    assertThat(at).isPositive();
    assertRejected(
        signed(
            json.substring(0, at)
                + "\"chunkId\":\""
                + Fixtures.sha256Hex("nowhere")
                + json.substring(at + 11 + chunk.length())),
        ROOT,
        0,
        Reason.INCONSISTENT,
        "patches[0].chunkId: not in chunk table");
  }

  @Test
  void fileSizeThatDoesNotAddUp() {
    assertRejectedWith(
        "\"size\":1358576",
        "\"size\":1358577",
        Reason.INCONSISTENT,
        "manifest.files[0].size: 1358577 but its chunks add up to 1358576");
  }

  @Test
  void encryptedSizeThatDoesNotAddUp() {
    assertRejectedWith(
        "\"encryptedSize\":1250",
        "\"encryptedSize\":1251",
        Reason.INCONSISTENT,
        "manifest.chunks[4].encryptedSize");
  }

  @Test
  void hashInTheWrongFormat() {
    String json = sampleJson();
    String id = Fixtures.sample().chunks().get(0).id();
    String bad = json.replaceFirst("\"id\":\"" + id + "\"", "\"id\":\"" + id.substring(2) + "\"");
    assertRejected(
        signed(bad), ROOT, 0, Reason.MALFORMED, "manifest.chunks[0].id: expected 64 lowercase hex");
  }

  @Test
  void unknownField() {
    assertRejectedWith(
        "\"version\":42",
        "\"version\":42,\"x-extra\":true",
        Reason.MALFORMED,
        "unknown field \"x-extra\"");
  }

  @Test
  void pathTraversal() {
    assertRejectedWith(
        "\"readme.txt\"",
        "\"../../.ssh/authorized_keys\"",
        Reason.MALFORMED,
        "manifest.files[3].path: '..' segment");
  }

  @Test
  void duplicatePath() {
    assertRejectedWith(
        "\"readme.txt\"",
        "\"bin/game.exe\"",
        Reason.MALFORMED,
        "manifest.files[3].path: duplicate path");
  }

  @Test
  void oversized() {
    ManifestLimits small = new ManifestLimits(4096, 10, 10, 4, 100);
    SignedEnvelope env = signed(sampleJson());
    assertThatRejected(
            Reason.TOO_LARGE,
            () -> ManifestVerifier.verify(env, ROOT, "starfall", "live", 0, NOW, small))
        .hasMessageContaining("limit 4096");
    assertThatRejected(
        Reason.TOO_LARGE,
        () -> ManifestVerifier.verify(env.encode(), ROOT, "starfall", "live", 0, NOW, small));
  }

  @Test
  void oversizedWithDefaultLimits() {
    byte[] huge = new byte[ManifestLimits.DEFAULT.maxPayloadBytes() + 1];
    assertRejected(
        new SignedEnvelope(huge, List.of()), ROOT, 0, Reason.TOO_LARGE, "limit " + (64 << 20));
  }

  @Test
  void signedGarbageIsMalformed() {
    assertRejected(signed("{\"a\":1}"), ROOT, 0, Reason.MALFORMED, "unknown field");
    assertRejected(signed(sampleJson() + "\n"), ROOT, 0, Reason.MALFORMED, "manifest");
  }

  @Test
  void signatureCheckComesBeforeParsing() {
    SignedEnvelope garbageByStranger = SignedEnvelope.sign(bytes("{{{"), STRANGER);
    assertRejected(garbageByStranger, ROOT, 0, Reason.UNTRUSTED_KEY, "valid signatures");
  }

  @Test
  void consistencyRulesOnPacks() {
    ReleaseManifest m = Fixtures.sample();
    PackEntry full = m.packs().get(0);
    PackEntry wrongTotal =
        new PackEntry(
            "full",
            null,
            full.infoHash(),
            full.pieceLength(),
            full.totalSize() + 1,
            full.pieceSha256(),
            full.chunkIds());
    assertInconsistent(Fixtures.withPacks(m, List.of(wrongTotal)), "manifest.packs[0].totalSize");
    PackEntry missingPiece =
        new PackEntry(
            "full",
            null,
            full.infoHash(),
            full.pieceLength(),
            full.totalSize(),
            full.pieceSha256().subList(1, full.pieceSha256().size()),
            full.chunkIds());
    assertInconsistent(
        Fixtures.withPacks(m, List.of(missingPiece)), "manifest.packs[0].pieceSha256");
    assertInconsistent(
        Fixtures.withPacks(m, List.of(m.packs().get(1))), "expected exactly one full pack, got 0");
    PackEntry partial = Fixtures.pack("full", null, dev.shoal.protocol.pack.PackLayout.delta(m, m));
    assertInconsistent(Fixtures.withPacks(m, List.of(partial)), "full pack lacks some chunks");
  }

  @Test
  void consistencyRulesOnTimes() {
    ReleaseManifest m = Fixtures.sample();
    ReleaseManifest backwards =
        new ReleaseManifest(
            m.product(),
            m.channel(),
            m.version(),
            m.displayVersion(),
            m.expiresAt(),
            m.createdAt(),
            m.files(),
            m.chunks(),
            m.packs(),
            m.contentKeyId(),
            m.signingKeyId());
    assertInconsistent(backwards, "manifest.expiresAt: must be after createdAt");
  }

  private static void assertInconsistent(ReleaseManifest m, String message) {
    String json = new String(ManifestCodec.encode(m), StandardCharsets.UTF_8);
    assertRejected(signed(json), ROOT, 0, Reason.INCONSISTENT, message);
  }

  private static ReleaseManifest verify(SignedEnvelope env, TrustRoot root, long installed) {
    return ManifestVerifier.verify(env, root, "starfall", "live", installed, NOW);
  }

  private static void assertRejected(
      SignedEnvelope env, TrustRoot root, long installed, Reason reason, String message) {
    assertThatRejected(reason, () -> verify(env, root, installed)).hasMessageContaining(message);
  }

  /** The sample manifest with {@code from} replaced by {@code to}, signed, is rejected so. */
  private static void assertRejectedWith(String from, String to, Reason reason, String message) {
    assertRejected(signed(sampleJson().replace(from, to)), ROOT, 0, reason, message);
  }

  /** {@code call} throws a {@link ManifestRejectedException} for {@code reason}. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertThatRejected(
      Reason reason, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    return assertThatThrownBy(call)
        .isInstanceOf(ManifestRejectedException.class)
        .satisfies(e -> assertThat(((ManifestRejectedException) e).reason()).isEqualTo(reason));
  }

  static SignedEnvelope signed(String json) {
    return SignedEnvelope.sign(bytes(json), PUBLISHER);
  }

  static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  static String sampleJson() {
    return ManifestCodecTest.sampleJson();
  }
}
