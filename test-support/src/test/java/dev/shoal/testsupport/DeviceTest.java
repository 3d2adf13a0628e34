package dev.shoal.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.signing.Ed25519;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A device's own keys sign as the edge agent's README says (the control plane checks the same). */
class DeviceTest {

  @Test
  void signsMethodPathQueryTimestampAndBodyHash() throws Exception {
    Device device = Device.create("http://localhost:1");
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers =
        device.signatureHeaders("post", URI.create("http://localhost:1/a/b?c=d"), body);

    assertThat(headers.get("X-Shoal-Device")).isEqualTo(device.deviceId()).startsWith("d-");
    String toSign =
        String.join(
            "\n",
            "SHOAL-REQ-V2",
            device.deviceId(),
            "POST",
            "/a/b?c=d",
            headers.get("X-Shoal-Timestamp"),
            headers.get("X-Shoal-Nonce"),
            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    byte[] signature = Base64.getUrlDecoder().decode(headers.get("X-Shoal-Signature"));
    byte[] publicKey = Base64.getUrlDecoder().decode(device.keys().signingPublicKey());
    assertThat(
            Ed25519.verify(
                Ed25519.publicKey(publicKey), toSign.getBytes(StandardCharsets.UTF_8), signature))
        .isTrue();
  }
}
