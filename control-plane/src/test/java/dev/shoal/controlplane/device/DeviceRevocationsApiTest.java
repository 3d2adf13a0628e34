package dev.shoal.controlplane.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.controlplane.support.TestOrganisations.TestOrganisation;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Device;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An admin revokes many devices in one call, only ever its own organisation's. */
class DeviceRevocationsApiTest extends ApiTest {

  @Test
  void listedDevicesOfTheCallersOrganisationAreRevokedOnce() {
    TestOrganisation studio = organisations.create();
    TestOrganisation rival = organisations.create();
    String base = "http://localhost:" + port;
    Device a = enrolled(base, studio);
    Device b = enrolled(base, studio);
    Device theirs = enrolled(base, rival);
    Credentials admin = Credentials.apiKey(studio.keys().get(Role.ADMIN));
    String body =
        ApiClient.json("deviceIds", List.of(a.deviceId(), b.deviceId(), theirs.deviceId()));

    assertThat(
            http().post("/api/v1/devices/revocations", admin, body).json().get("revoked").asInt())
        .isEqualTo(2);
    assertThat(
            http().post("/api/v1/devices/revocations", admin, body).json().get("revoked").asInt())
        .as("revoked already")
        .isZero();
    assertThat(a.get("/api/v1/device/products/x/channels/y/manifest").status()).isEqualTo(401);
    assertThat(theirs.get("/api/v1/device/products/x/channels/y/manifest").status())
        .as("another organisation's device is untouched")
        .isNotEqualTo(401);
    assertThat(
            http()
                .post(
                    "/api/v1/devices/revocations",
                    admin,
                    ApiClient.json(
                        "deviceIds",
                        List.of(a.deviceId()),
                        "enrolledSince",
                        "2026-01-01T00:00:00Z"))
                .status())
        .isEqualTo(400);
  }

  private static Device enrolled(String base, TestOrganisation organisation) {
    Device device = Device.create(base);
    device.enrol(organisation.organisation().slug()).assertSuccess();
    return device;
  }
}
