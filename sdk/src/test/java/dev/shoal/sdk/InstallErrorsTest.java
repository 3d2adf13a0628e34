package dev.shoal.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testkit.AgentDevices;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * An install's failure ends the handle's wait with the typed exception of the agent's error: not
 * enrolled, not entitled, disk full, a signature that does not verify against the pinned root.
 */
class InstallErrorsTest extends StudioAndAgentTest {
  private static ShoalException failure(InstallHandle h) {
    try {
      InstallProgress p = h.await(TIMEOUT);
      throw new AssertionError("expected a failure, got " + p);
    } catch (ShoalException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void notEnrolledThenNotEntitled() throws Exception {
    studio.publish("game", "live", GameBuilds.build(1, 1_000_000), "1.0");
    Path dir = temp.resolve("game");

    InstallHandle notEnrolled = shoal.install("game", "live", dir);
    ShoalException e = failure(notEnrolled);
    assertThat(e.code()).isEqualTo(ErrorCode.NOT_ENROLLED);
    assertThat(e.retryable()).isFalse();
    assertThat(notEnrolled.progress().state()).isEqualTo(InstallState.FAILED);
    assertThat(notEnrolled.progress().error())
        .isEqualTo(new InstallError(ErrorCode.NOT_ENROLLED, e.getMessage(), false));

    shoal.enrol(
        URI.create(controlPlane.baseUrl()), studio.organisation()); // enrolled, but not entitled
    ShoalException refused = failure(shoal.install("game", "live", dir));
    assertThat(refused.code()).isEqualTo(ErrorCode.ENTITLEMENT);
    assertThat(refused.retryable()).isFalse();
    assertThat(dir).doesNotExist();

    // The same failure through the future.
    InstallHandle again = shoal.install("game", "live", dir);
    assertThat(again.completion())
        .failsWithin(TIMEOUT)
        .withThrowableThat()
        .havingCause()
        .isInstanceOfSatisfying(
            ShoalException.class, c -> assertThat(c.code()).isEqualTo(ErrorCode.ENTITLEMENT));
  }

  @Test
  void enrollingWithAnUnsafeControlPlaneIsABadRequest() {
    assertFails(
        ErrorCode.BAD_REQUEST,
        false,
        () -> shoal.enrol(URI.create("http://shoal.example.com/"), studio.organisation()));
    assertThat(shoal.enrolment().enrolled()).isFalse();
  }

  @Test
  void aReleaseNotSignedUnderThePinnedTrustRootIsASignatureFailure() throws Exception {
    studio.publish("game", "live", GameBuilds.build(1, 1_000_000), "1.0");
    shoal.enrol(URI.create(controlPlane.baseUrl()), studio.organisation());
    studio.entitle("game", agent.deviceId());

    // Another organisation's trust root, as a device of that organisation receives it.
    Publisher other = controlPlane.newPublisher("sdk-other");
    Device device = AgentDevices.create(controlPlane.baseUrl(), temp.resolve("other-device"));
    device.enrol(other.organisation()).assertSuccess();
    byte[] foreignRoot =
        device
            .get("/api/v1/trust-root?organisation=" + other.organisation())
            .assertSuccess()
            .bytes();

    // The agent pinned its organisation's root when it enrolled; swap it while it is stopped.
    shoal.close();
    agent.close();
    Path enrolment = agent.dataDir().resolve("state/enrolment.json");
    JsonMapper json = JsonMapper.builder().build();
    ObjectNode e = (ObjectNode) json.readTree(Files.readString(enrolment));
    assertThat(e.get("trustRoot").asString())
        .isNotEqualTo(Base64.getEncoder().encodeToString(foreignRoot));
    e.put("trustRoot", Base64.getEncoder().encodeToString(foreignRoot));
    Files.writeString(enrolment, json.writeValueAsString(e));
    agent = AgentFixture.start(agent.dataDir());
    shoal = ShoalClient.connect(agent.dataDir());

    Path dir = temp.resolve("game");
    ShoalException failed = failure(shoal.install("game", "live", dir));
    assertThat(failed.code()).isEqualTo(ErrorCode.SIGNATURE);
    assertThat(failed.retryable()).isFalse();
    assertThat(dir).doesNotExist();
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aFullDiskIsRetryable() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "needs root to mount a 2 MB tmpfs (CI runs as root)");
    studio.publish("game", "live", GameBuilds.build(1, 3_000_000), "1.0");
    shoal.enrol(URI.create(controlPlane.baseUrl()), studio.organisation());
    studio.entitle("game", agent.deviceId());

    Path small = Files.createDirectories(temp.resolve("small-disk"));
    int mounted = run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString());
    Assumptions.assumeTrue(mounted == 0, "cannot mount a tmpfs here (no CAP_SYS_ADMIN?)");
    try {
      Path dir = small.resolve("game");
      InstallHandle install = shoal.install("game", "live", dir);
      ShoalException e = failure(install);
      assertThat(e.code()).as(e.toString()).isEqualTo(ErrorCode.DISK_FULL);
      assertThat(e.retryable()).isTrue();
      assertThat(install.progress().error().code()).isEqualTo(ErrorCode.DISK_FULL);
      try (var left = Files.list(small)) {
        assertThat(left).as("staging removed, nothing installed").isEmpty();
      }
    } finally {
      if (run("umount", small.toString()) != 0) {
        run("umount", "-l", small.toString());
      }
    }
  }

  @Test
  void anEntitlementTokenFromThePublisherIsPresented() throws Exception {
    Map<String, byte[]> v1 = GameBuilds.build(1, 1_000_000);
    studio.publish("game", "live", v1, "1.0");
    shoal.enrol(
        URI.create(controlPlane.baseUrl()),
        studio.organisation()); // not entitled on the control plane
    KeyPair publisher = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] x509 = publisher.getPublic().getEncoded();
    byte[] raw = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    studio
        .api()
        .send(
            "PUT",
            "/api/v1/products/game/entitlement-key",
            "{\"publicKey\":\"" + B64.encodeToString(raw) + "\"}")
        .assertSuccess();
    String token = token(publisher, "game", Instant.now().plusSeconds(3600));
    Path dir = temp.resolve("game");

    ShoalException forged =
        failure(
            shoal.install(
                InstallRequest.of("game", "live", dir)
                    .withEntitlementToken(
                        token(
                            KeyPairGenerator.getInstance("Ed25519").generateKeyPair(),
                            "game",
                            Instant.now().plusSeconds(3600)))));
    assertThat(forged.code()).isEqualTo(ErrorCode.ENTITLEMENT);
    assertThat(dir).doesNotExist();

    InstallProgress done =
        shoal
            .install(InstallRequest.of("game", "live", dir).withEntitlementToken(token))
            .await(TIMEOUT);
    assertThat(done.state()).isEqualTo(InstallState.COMPLETED);
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v1);
  }

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  /** A publisher's entitlement token: an EdDSA JWT as any JWT library makes it. */
  private static String token(KeyPair key, String product, Instant expires) throws Exception {
    String header = B64.encodeToString("{\"alg\":\"EdDSA\"}".getBytes(StandardCharsets.UTF_8));
    String claims =
        B64.encodeToString(
            ("{\"sub\":\"player-1\",\"product\":\""
                    + product
                    + "\",\"exp\":"
                    + expires.getEpochSecond()
                    + "}")
                .getBytes(StandardCharsets.UTF_8));
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(key.getPrivate());
    s.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
    return header + "." + claims + "." + B64.encodeToString(s.sign());
  }

  private static int run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().transferTo(System.out);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
