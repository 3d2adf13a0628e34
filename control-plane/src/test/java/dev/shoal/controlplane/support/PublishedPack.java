package dev.shoal.controlplane.support;

import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.testsupport.Announces;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Publisher;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.UnaryOperator;

/** One released (READY) pack of product "game" in an organisation, and its devices' announces. */
public final class PublishedPack {

  private final Publisher studio;
  private final String organisation;
  public final String infoHash;
  public final String releaseId;

  /** Releases the pack with the studio's client (an admin's) of the organisation with this slug. */
  public PublishedPack(ApiClient studio, String organisation) {
    this(
        studio,
        organisation,
        Map.of("game.bin", "cached ".repeat(300).getBytes(StandardCharsets.UTF_8)));
  }

  /** The same with a build of these files. */
  public PublishedPack(ApiClient studio, String organisation, Map<String, byte[]> build) {
    this.studio = Publisher.of(studio).product("game", "stable");
    this.organisation = organisation;
    String release = this.studio.release("game", "stable", build, "1.0").get("id").asString();
    releaseId = release;
    infoHash =
        ManifestCodec.parse(SignedEnvelope.parse(this.studio.envelope(release)).payload())
            .fullPack()
            .infoHash();
  }

  /** A new device enrolled in the organisation, not yet entitled. */
  public Device device() {
    return Device.create(studio.api().baseUrl()).enrolled(organisation);
  }

  /** Entitles the device to the product; returns the entitlement's id. */
  public String grant(Device device) {
    return studio.entitle("game", device.deviceId());
  }

  /** A regular announce on port 6881 with what {@code headers} adds; fails unless HTTP 200. */
  public AnnounceResponse announce(String passkey, UnaryOperator<HttpRequest.Builder> headers) {
    return announceTo(studio.api().baseUrl(), passkey, headers);
  }

  /** The same announce to another node of the control plane. */
  public AnnounceResponse announceTo(
      String baseUrl, String passkey, UnaryOperator<HttpRequest.Builder> headers) {
    return announceTo(baseUrl, passkey, "", headers);
  }

  /** The same with {@code extraQuery} ("&name=value...") appended to the announce's query. */
  public AnnounceResponse announceTo(
      String baseUrl,
      String passkey,
      String extraQuery,
      UnaryOperator<HttpRequest.Builder> headers) {
    AnnounceRequest request = Announces.request(infoHash, 6881, 1000, AnnounceRequest.Event.NONE);
    String url = request.toUrl(baseUrl + "/" + passkey + "/announce") + extraQuery;
    return Announces.send(headers.apply(HttpRequest.newBuilder(URI.create(url))).GET().build());
  }

  /** A regular announce with {@code extraQuery} appended, to this node. */
  public AnnounceResponse announce(
      String passkey, String extraQuery, UnaryOperator<HttpRequest.Builder> headers) {
    return announceTo(studio.api().baseUrl(), passkey, extraQuery, headers);
  }

  /** Publishes the release to everyone in its channel. */
  public void publish() {
    studio.publish(releaseId, 100);
  }
}
