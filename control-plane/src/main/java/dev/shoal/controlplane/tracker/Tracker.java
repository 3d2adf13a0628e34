package dev.shoal.controlplane.tracker;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.entitlement.Entitlements;
import dev.shoal.controlplane.release.Releases;
import dev.shoal.protocol.torrent.AnnounceException;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * A private BitTorrent tracker: only enrolled devices (by passkey), only for packs of products they
 * are entitled to, checked on every announce. Refusals are bencoded {@code failure reason}s.
 *
 * <p>Upload consent: an agent whose player has not agreed to upload announces with {@code upload=0}
 * (or port 0). It then gets peers but is never handed to others.
 */
@Service
public class Tracker {

  private static final Logger log = LoggerFactory.getLogger(Tracker.class);

  private final Devices devices;
  private final Releases releases;
  private final Entitlements entitlements;
  private final ShoalProperties properties;
  private final MeterRegistry meters;
  private final Swarms swarms;
  private final int interval;
  // The origin seeder's own passkey: it lives in memory only and changes at every start.
  private final String originPasskey;

  Tracker(
      Devices devices,
      Releases releases,
      Entitlements entitlements,
      ShoalProperties properties,
      MeterRegistry meters) {
    this.devices = devices;
    this.releases = releases;
    this.entitlements = entitlements;
    this.properties = properties;
    this.meters = meters;
    this.interval = (int) properties.tracker().interval().toSeconds();
    this.swarms = new Swarms(Clock.systemUTC(), properties.tracker().interval());
    byte[] random = new byte[20];
    new SecureRandom().nextBytes(random);
    this.originPasskey = HexFormat.of().formatHex(random);
    Gauge.builder("shoal.tracker.active.peers", swarms, Swarms::activePeers)
        .description("Peers that announced within two intervals")
        .register(meters);
    Gauge.builder("shoal.tracker.active.swarms", swarms, Swarms::activeSwarms)
        .description("Torrents with at least one peer that announced within two intervals")
        .register(meters);
  }

  /** The passkey the control plane's own origin seeder announces with. */
  public String originPasskey() {
    return originPasskey;
  }

  /** Devices in one swarm at a moment, and how many of them offer uploads. */
  public record SwarmCount(int peers, int uploadingPeers) {}

  /**
   * The swarms with at least one device that announced within two intervals, by info hash (hex):
   * the origin seeder is not counted. A snapshot of this node's in-memory state.
   */
  public java.util.Map<String, SwarmCount> swarmCounts() {
    java.util.Map<String, SwarmCount> counts = new java.util.HashMap<>();
    swarms
        .counts()
        .forEach((hash, c) -> counts.put(hash, new SwarmCount(c.peers(), c.uploadingPeers())));
    return counts;
  }

  /** Handles one announce; always an encoded response (HTTP 200 by BitTorrent convention). */
  byte[] announce(String passkey, String rawQuery, String remoteAddress) {
    AnnounceRequest request;
    try {
      request = AnnounceRequest.parse(rawQuery);
    } catch (AnnounceException e) {
      return refuse("malformed", "bad announce: " + e.getMessage(), remoteAddress);
    }
    String infoHash = HexFormat.of().formatHex(request.infoHash());
    boolean origin = originPasskey.equals(passkey);
    Optional<Devices.Device> device = origin ? Optional.empty() : devices.byPasskey(passkey);
    if (!origin && device.isEmpty()) {
      return refuse("unknown_passkey", "unknown or revoked passkey", remoteAddress);
    }
    Optional<Releases.Pack> pack = releases.pack(infoHash);
    if (pack.isEmpty()) {
      return refuse("unknown_torrent", "unknown torrent", remoteAddress);
    }
    if (!origin && !entitlements.isEntitled(device.get(), pack.get().productId())) {
      return refuse("not_entitled", "not entitled to this torrent", remoteAddress);
    }
    InetSocketAddress address = address(remoteAddress, request.port());
    boolean uploads = request.port() > 0 && !uploadOff(rawQuery);
    String deviceId = origin ? "origin" : device.get().id();
    String region = origin ? properties.tracker().region() : device.get().region();
    Swarms.Peer peer = new Swarms.Peer(deviceId, address, region, uploads, origin, swarms.now());
    List<InetSocketAddress> peers =
        swarms.announce(
            infoHash,
            deviceId + "/" + HexFormat.of().formatHex(request.peerId()),
            peer,
            request.event() == AnnounceRequest.Event.STOPPED,
            request.numwant());
    count("ok");
    return new AnnounceResponse(interval, interval / 2, peers, null).encode();
  }

  private static boolean uploadOff(String rawQuery) {
    for (String pair : rawQuery.split("&")) {
      if (pair.equals("upload=0")) {
        return true;
      }
    }
    return false;
  }

  private static InetSocketAddress address(String remote, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(remote), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("The servlet container gave a bad address " + remote, e);
    }
  }

  private byte[] refuse(String result, String reason, String remoteAddress) {
    log.warn("Announce from {} refused: {}", remoteAddress, reason);
    count(result);
    return AnnounceResponse.failure(reason).encode();
  }

  private void count(String result) {
    Counter.builder("shoal.tracker.announces")
        .description("Tracker announces by result")
        .tag("result", result)
        .register(meters)
        .increment();
  }

  @EventListener
  void deviceRevoked(Devices.DeviceRevoked event) {
    swarms.forgetDevice(event.deviceId());
  }

  @Scheduled(fixedDelayString = "${shoal.tracker.interval:45s}")
  void purge() {
    swarms.purge();
  }
}
