package dev.shoal.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.fs.DataDir;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceIdentityTest {
  @TempDir Path tmp;

  @Test
  void keysPersistOwnerOnlyAndReloadToTheSameDevice() throws Exception {
    DataDir dir = DataDir.open(tmp);
    DeviceIdentity first = DeviceIdentity.loadOrCreate(dir);
    DeviceIdentity again = DeviceIdentity.loadOrCreate(dir);
    assertThat(again.deviceId()).isEqualTo(first.deviceId()).startsWith("d-").hasSize(34);
    assertThat(again.signingPublicKey()).isEqualTo(first.signingPublicKey());
    assertThat(again.agreementPublicKey()).isEqualTo(first.agreementPublicKey());
    assertThat(again.agreementPrivateKey().getEncoded())
        .isEqualTo(first.agreementPrivateKey().getEncoded());
    try (var files = Files.list(dir.identityDir())) {
      assertThat(files.toList())
          .hasSize(4)
          .allSatisfy(
              p ->
                  assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                      .isEqualTo("rw-------"));
    }
  }

  @Test
  void signatureVerifiesAgainstTheDocumentedStringToSign() throws Exception {
    DeviceIdentity id = DeviceIdentity.loadOrCreate(DataDir.open(tmp));
    byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    Instant now = Instant.parse("2026-11-25T04:00:00Z");
    Map<String, String> h =
        id.signRequest("post", URI.create("https://cp.example/v1/devices/x?y=1%202"), body, now);
    assertThat(h.get("X-Shoal-Device")).isEqualTo(id.deviceId());
    assertThat(h.get("X-Shoal-Timestamp")).isEqualTo("1795579200");

    // Rebuilt independently, exactly as README.md tells the control plane to.
    assertThat(h.get("X-Shoal-Nonce")).matches("[A-Za-z0-9_-]{22}");
    String expected =
        "SHOAL-REQ-V2\n"
            + id.deviceId()
            + "\nPOST\n/v1/devices/x?y=1%202\n"
            + "1795579200\n"
            + h.get("X-Shoal-Nonce")
            + "\n"
            + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    PublicKey pub = fromRaw(Base64.getUrlDecoder().decode(id.signingPublicKey()));
    assertThat(verify(pub, expected, h.get("X-Shoal-Signature"))).isTrue();
    assertThat(verify(pub, expected.replace("POST", "PUT"), h.get("X-Shoal-Signature"))).isFalse();
    Map<String, String> again =
        id.signRequest("post", URI.create("https://cp.example/v1/devices/x?y=1%202"), body, now);
    assertThat(again.get("X-Shoal-Signature"))
        .as("the same request in the same second signs differently")
        .isNotEqualTo(h.get("X-Shoal-Signature"));
  }

  @Test
  void deviceIdIsDerivedFromTheSigningKey() throws Exception {
    DeviceIdentity id = DeviceIdentity.loadOrCreate(DataDir.open(tmp));
    byte[] raw = Base64.getUrlDecoder().decode(id.signingPublicKey());
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw);
    assertThat(id.deviceId())
        .isEqualTo("d-" + HexFormat.of().formatHex(java.util.Arrays.copyOf(digest, 16)));
  }

  private static PublicKey fromRaw(byte[] raw) throws Exception {
    byte[] prefix = HexFormat.of().parseHex("302a300506032b6570032100");
    byte[] spki = new byte[prefix.length + raw.length];
    System.arraycopy(prefix, 0, spki, 0, prefix.length);
    System.arraycopy(raw, 0, spki, prefix.length, raw.length);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
  }

  private static boolean verify(PublicKey pub, String message, String sigB64) throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initVerify(pub);
    s.update(message.getBytes(StandardCharsets.UTF_8));
    return s.verify(Base64.getUrlDecoder().decode(sigB64));
  }
}
