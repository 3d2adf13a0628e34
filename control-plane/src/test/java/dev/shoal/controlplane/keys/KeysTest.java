package dev.shoal.controlplane.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.controlplane.support.TestOrganisations.TestOrganisation;
import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import dev.shoal.protocol.signing.TrustStore;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** Keys at rest under the master key, and rotations that devices can follow. */
class KeysTest extends ApiTest {

  @Autowired JdbcClient jdbc;
  @Autowired MasterKey masterKey;

  private record SealedRow(UUID id, byte[] publicKey, byte[] privateSealed) {}

  @Test
  void theDevMasterKeyIsOwnerOnlyAndKeysAreSealedToTheirRow() throws Exception {
    TestOrganisation org = organisations.create();
    http().get("/api/v1/trust-root?organisation=" + org.organisation().slug(), Credentials.NONE);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(DATA_DIR.resolve("master.key"))))
        .isEqualTo("rw-------");
    SealedRow row =
        jdbc.sql(
                "select id, public_key, private_sealed from signing_keys where organisation_id = ?")
            .param(org.organisation().id())
            .query(SealedRow.class)
            .single();
    byte[] pkcs8 = masterKey.open(row.id(), row.privateSealed());
    byte[] message = "manifest".getBytes(StandardCharsets.UTF_8);
    assertThat(
            Ed25519.verify(
                Ed25519.publicKey(row.publicKey()),
                message,
                Ed25519.sign(Ed25519.privateKey(pkcs8), message)))
        .isTrue();
    assertThatThrownBy(() -> masterKey.open(UUID.randomUUID(), row.privateSealed()))
        .as("sealed to its row: copied elsewhere it does not open")
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aDevicePinnedToTheFirstRootFollowsEveryRotation() {
    TestOrganisation org = organisations.create();
    Credentials admin = Credentials.apiKey(org.keys().get(Role.ADMIN));
    String slug = org.organisation().slug();
    byte[] first =
        http()
            .get("/api/v1/trust-root?organisation=" + slug, Credentials.NONE)
            .body()
            .getBytes(StandardCharsets.UTF_8);
    TrustStore device = new TrustStore(TrustRoot.parse(first));
    assertThat(device.current().version()).isEqualTo(1);

    String newKey = null;
    for (int i = 0; i < 2; i++) {
      Response rotated = http().post("/api/v1/keys/signing/rotate", admin, "{}");
      assertThat(rotated.status()).isEqualTo(200);
      newKey = rotated.json().get("keyId").asString();
    }
    JsonNode rotations =
        http().get("/api/v1/trust-root/rotations?organisation=" + slug, Credentials.NONE).json();
    List<SignedEnvelope> chain = new ArrayList<>();
    for (JsonNode r : rotations) {
      if (r.get("version").asInt() > 1) {
        chain.add(SignedEnvelope.parse(Base64.getDecoder().decode(r.get("envelope").asString())));
      }
    }
    TrustRoot latest = device.applyChain(chain);
    assertThat(latest.version()).isEqualTo(3);
    assertThat(latest.keys()).containsOnlyKeys(newKey);
    assertThat(http().get("/api/v1/trust-root?organisation=no-such-org", Credentials.NONE).status())
        .isEqualTo(404);
  }

  @Test
  void contentKeyRotationGivesANewKeyId() {
    TestOrganisation org = organisations.create();
    Credentials admin = Credentials.apiKey(org.keys().get(Role.ADMIN));
    http().post("/api/v1/products", admin, ApiClient.json("slug", "game", "name", "Game"));
    String a = rotateContentKey(admin);
    String b = rotateContentKey(admin);
    assertThat(a).matches("[0-9a-f]{32}").isNotEqualTo(b);
    assertThat(
            http()
                .post(
                    "/api/v1/products/game/content-keys/rotate",
                    Credentials.apiKey(org.keys().get(Role.RELEASE_MANAGER)),
                    "{}")
                .status())
        .isEqualTo(403);
  }

  /** Rotates the content key of {@code game}; returns the new key's id. */
  private String rotateContentKey(Credentials admin) {
    return http()
        .post("/api/v1/products/game/content-keys/rotate", admin, "{}")
        .json()
        .get("contentKeyId")
        .asString();
  }
}
