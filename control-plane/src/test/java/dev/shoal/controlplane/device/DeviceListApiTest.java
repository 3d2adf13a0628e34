package dev.shoal.controlplane.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.controlplane.support.TestOrganisations.TestOrganisation;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The admins' device list comes a page at a time, newest first, each page naming the next in a Link
 * header, so that an organisation with a million devices can still be listed; and it tells a device
 * its player uninstalled (left) from one an admin revoked.
 */
class DeviceListApiTest extends ApiTest {
  private static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");

  @Test
  void pagesFollowOneAnotherNewestFirstUntilTheLastHasNoNextLink() {
    TestOrganisation studio = organisations.create();
    TestOrganisation rival = organisations.create();
    String base = "http://localhost:" + port;
    List<String> enrolled = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      enrolled.add(0, Device.create(base).enrolled(studio.organisation().slug()).deviceId());
    }
    Device.create(base).enrolled(rival.organisation().slug());
    Credentials viewer = Credentials.apiKey(studio.keys().get(Role.VIEWER));

    List<String> listed = new ArrayList<>();
    String page = "/api/v1/devices?limit=2";
    int pages = 0;
    while (page != null) {
      Response r = http().get(page, viewer).assertSuccess();
      for (JsonNode d : r.json()) {
        listed.add(d.get("id").asString());
      }
      pages++;
      page = r.headers().firstValue("Link").map(DeviceListApiTest::next).orElse(null);
    }

    assertThat(listed).as("every device once, newest first, no rival's").isEqualTo(enrolled);
    assertThat(pages).isEqualTo(3);
    assertThat(http().get("/api/v1/devices", viewer).json().size()).isEqualTo(5);
    assertThat(http().get("/api/v1/devices?limit=0", viewer).status()).isEqualTo(400);
    assertThat(http().get("/api/v1/devices?limit=1001", viewer).status()).isEqualTo(400);
    Response unknown = http().get("/api/v1/devices?after=d-" + "0".repeat(32), viewer);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.contentType()).startsWith("application/problem+json");
  }

  @Test
  void aDeviceWhosePlayerUninstalledTheAgentLeftOneAnAdminEndedIsRevoked() {
    TestOrganisation studio = organisations.create();
    String base = "http://localhost:" + port;
    Device left = Device.create(base).enrolled(studio.organisation().slug());
    Device revoked = Device.create(base).enrolled(studio.organisation().slug());
    Credentials admin = Credentials.apiKey(studio.keys().get(Role.ADMIN));

    assertThat(left.send("DELETE", "/api/v1/device/enrolment", new byte[0]).status())
        .isEqualTo(204);
    assertThat(http().as(admin).delete("/api/v1/devices/" + revoked.deviceId()).status())
        .isEqualTo(204);
    assertThat(http().as(admin).delete("/api/v1/devices/" + left.deviceId()).status())
        .as("revoking a device that left changes nothing")
        .isEqualTo(204);

    JsonNode list = http().get("/api/v1/devices", admin).json();
    assertThat(revokedBy(list, left.deviceId())).isEqualTo("PLAYER");
    assertThat(revokedBy(list, revoked.deviceId())).isEqualTo("ADMIN");
  }

  private static String revokedBy(JsonNode list, String id) {
    for (JsonNode d : list) {
      if (d.get("id").asString().equals(id)) {
        return d.get("revokedBy").asString();
      }
    }
    throw new AssertionError("not listed: " + id);
  }

  private static String next(String link) {
    Matcher m = NEXT.matcher(link);
    return m.find() ? m.group(1) : null;
  }
}
