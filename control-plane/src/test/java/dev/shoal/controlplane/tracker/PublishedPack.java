package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.Announces;
import dev.shoal.controlplane.support.Builds;
import dev.shoal.controlplane.support.Http;
import dev.shoal.controlplane.support.SignedDevice;
import dev.shoal.controlplane.support.TestOrganisations;
import dev.shoal.controlplane.support.TestOrganisations.TestOrganisation;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A new organisation with one published release of product "game", and its devices' announces. */
final class PublishedPack {

  private final Http http;
  private final HttpClient client = HttpClient.newHttpClient();
  private final TestOrganisation org;
  final Http.Credentials admin;
  final String infoHash;

  PublishedPack(Http http, TestOrganisations organisations) {
    this.http = http;
    this.org = organisations.create();
    this.admin = Http.Credentials.apiKey(org.keys().get(Role.ADMIN));
    http.post("/api/v1/products", admin, Http.json("slug", "game", "name", "Game"));
    http.post("/api/v1/products/game/channels", admin, Http.json("name", "stable"));
    String release =
        new Builds(http, admin)
            .release(
                "game",
                "stable",
                Map.of("game.bin", "cached ".repeat(300).getBytes(StandardCharsets.UTF_8)),
                "1.0")
            .get("id")
            .asString();
    Http.Response manifest = http.get("/api/v1/releases/" + release + "/manifest", admin);
    infoHash =
        ManifestCodec.parse(
                SignedEnvelope.parse(manifest.body().getBytes(StandardCharsets.UTF_8)).payload())
            .fullPack()
            .infoHash();
  }

  String organisationSlug() {
    return org.organisation().slug();
  }

  SignedDevice device() {
    return new SignedDevice(http).enrol(org.organisation().slug());
  }

  /** Entitles the device to the product; returns the entitlement's id. */
  String grant(SignedDevice device) {
    Http.Response granted =
        http.post("/api/v1/products/game/entitlements", admin, Http.json("deviceId", device.id()));
    assertThat(granted.status()).isEqualTo(201);
    return granted.json().get("id").asString();
  }

  /** A regular announce on port 6881. */
  AnnounceResponse announce(String passkey, UnaryOperator<HttpRequest.Builder> headers)
      throws Exception {
    AnnounceRequest request = Announces.request(infoHash, AnnounceRequest.Event.NONE);
    // Bytes, not text: compact peer lists are binary.
    HttpResponse<byte[]> response =
        client.send(
            headers.apply(http.request(request.toUrl("/" + passkey + "/announce"))).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    return AnnounceResponse.decode(response.body());
  }
}
