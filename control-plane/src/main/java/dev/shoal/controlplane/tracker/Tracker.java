package dev.shoal.controlplane.tracker;

import dev.shoal.controlplane.cluster.NodeEventsResumed;
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
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.event.TransactionalEventListener;

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

  /** Every result an announce is counted under (meters registered up front). */
  static final List<String> RESULTS =
      List.of(
          "ok", "malformed", "unknown_passkey", "unknown_torrent", "not_entitled", "unavailable");

  private final Devices devices;
  private final Releases releases;
  private final Entitlements entitlements;
  private final ShoalProperties properties;
  private final SwarmStore swarms;
  private final Map<String, Counter> announces = new HashMap<>();
  private final ApplicationEventPublisher events;

  /**
   * Published after a revocation (of a device or an entitlement, here or on another node) has
   * reached this tracker's caches and swarms: who was admitted may not be any more.
   */
  public record AdmissionsNarrowed() {}

  /** A device's live entitlement to a product: the key of the entitlement cache. */
  private record Entitled(String deviceId, UUID productId) {}

  // Per-node caches of what each announce looks up, so that steady announces cost no SQL. Every
  // revocation or change evicts at once (the listeners below hear this node's and, through
  // cluster.NodeEvents, the other nodes'); shoal.tracker.cache-ttl only bounds a node that missed
  // an event. Only positive answers are kept, so a grant or an enrolment works at once.
  private final TtlCache<String, Devices.Device> devicesByPasskey;
  private final TtlCache<String, Devices.Device> liveDevicesById;
  private final TtlCache<String, UUID> productsByInfoHash;
  private final TtlCache<Entitled, Instant> entitledUntil;
  private final AnnounceInterval interval;
  // The origin seeder's own passkey: it lives in memory only and changes at every start.
  private final String originPasskey;

  Tracker(
      Devices devices,
      Releases releases,
      Entitlements entitlements,
      ShoalProperties properties,
      SwarmStore swarms,
      MeterRegistry meters,
      ApplicationEventPublisher events) {
    this.events = events;
    this.devices = devices;
    this.releases = releases;
    this.entitlements = entitlements;
    this.properties = properties;
    Duration ttl = properties.tracker().cacheTtl();
    int entries = properties.tracker().cacheEntries();
    this.devicesByPasskey = new TtlCache<>(ttl, entries, System::nanoTime);
    this.liveDevicesById = new TtlCache<>(ttl, entries, System::nanoTime);
    this.productsByInfoHash = new TtlCache<>(ttl, entries, System::nanoTime);
    this.entitledUntil = new TtlCache<>(ttl, entries, System::nanoTime);
    for (String result : RESULTS) {
      announces.put(
          result,
          Counter.builder("shoal.tracker.announces")
              .description("Tracker announces by result")
              .tag("result", result)
              .register(meters));
    }
    this.interval = AnnounceInterval.of(properties.tracker());
    this.swarms = swarms;
    byte[] random = new byte[20];
    new SecureRandom().nextBytes(random);
    this.originPasskey = HexFormat.of().formatHex(random);
    Gauge.builder("shoal.tracker.active.peers", swarms, SwarmStore::activePeers)
        .description("Peers that announced within two intervals")
        .register(meters);
    Gauge.builder("shoal.tracker.active.swarms", swarms, SwarmStore::activeSwarms)
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
   * the origin seeder is not counted. A snapshot of the swarm store (this node's, or Redis when
   * shared).
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
    Devices.Device device = null;
    if (!origin) {
      device =
          passkey == null
              ? null
              : devicesByPasskey.get(passkey, k -> devices.byPasskey(k).orElse(null));
      // Not a device: perhaps another node's origin seeder (asked only now, so that devices'
      // announces cost the swarm store nothing extra).
      origin = device == null && passkey != null && swarms.isOriginPasskey(passkey);
      if (device == null && !origin) {
        return refuse("unknown_passkey", "unknown or revoked passkey", remoteAddress);
      }
    }
    UUID productId = productsByInfoHash.get(infoHash, k -> releases.packProduct(k).orElse(null));
    if (productId == null) {
      return refuse("unknown_torrent", "unknown torrent", remoteAddress);
    }
    if (!origin && !entitled(device, productId)) {
      return refuse("not_entitled", "not entitled to this torrent", remoteAddress);
    }
    InetSocketAddress address = address(remoteAddress, request.port());
    boolean uploads = request.port() > 0 && !uploadOff(rawQuery);
    String deviceId = origin ? "origin" : device.id();
    String region = origin ? properties.tracker().region() : device.region();
    SwarmStore.Peer peer =
        new SwarmStore.Peer(
            deviceId,
            address,
            region,
            uploads,
            origin,
            request.left() == 0,
            swarms.now(),
            lanEndpoint(rawQuery, address));
    List<InetSocketAddress> peers =
        swarms.announce(
            infoHash,
            deviceId + "/" + HexFormat.of().formatHex(request.peerId()),
            peer,
            request.event() == AnnounceRequest.Event.STOPPED,
            request.numwant());
    count("ok");
    return new AnnounceResponse(
            interval.nextSeconds(ThreadLocalRandom.current()),
            interval.minIntervalSeconds(),
            peers,
            null)
        .encode();
  }

  /** The answer when the database or Redis could not be reached: the client retries later. */
  byte[] unavailable() {
    count("unavailable");
    return AnnounceResponse.failure("tracker unavailable, retry later").encode();
  }

  /**
   * The id of the device with this passkey when it may have this pack now: the announce's own
   * checks from the same caches, so the origin's passkey route costs no SQL in the steady state.
   */
  public java.util.Optional<String> admittedDevice(String passkey, String infoHash) {
    Devices.Device device = devicesByPasskey.get(passkey, k -> devices.byPasskey(k).orElse(null));
    if (device == null) {
      return java.util.Optional.empty();
    }
    UUID productId = productsByInfoHash.get(infoHash, k -> releases.packProduct(k).orElse(null));
    if (productId == null || !entitled(device, productId)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(device.id());
  }

  /**
   * Whether a peer connecting from {@code address} for this pack may be served by the origin
   * seeder: a live device entitled to the pack's product announced it from that address within the
   * peer expiry time. The address is the tracker's view of it (the client's, behind trusted
   * proxies), and the swarm store is every node's when shared, so an announce through any node
   * admits the peer at every node's seeder. Peers behind one NAT share an address: one admitted
   * device there admits them all (the content stays encrypted with keys only entitled devices get).
   * From the caches, as the announce, so the steady state costs no SQL.
   */
  public boolean admitsPeer(String infoHash, InetAddress address) {
    Set<String> candidates = swarms.devicesAt(infoHash, address);
    if (candidates.isEmpty()) {
      return false;
    }
    UUID productId = productsByInfoHash.get(infoHash, k -> releases.packProduct(k).orElse(null));
    if (productId == null) {
      return false;
    }
    for (String id : candidates) {
      Devices.Device device =
          liveDevicesById.get(
              id, k -> devices.find(k).filter(d -> d.revokedAt() == null).orElse(null));
      if (device != null && entitled(device, productId)) {
        return true;
      }
    }
    return false;
  }

  private boolean entitled(Devices.Device device, UUID productId) {
    Entitled key = new Entitled(device.id(), productId);
    Instant until =
        entitledUntil.get(key, k -> entitlements.entitledUntil(device, productId).orElse(null));
    if (until != null && !until.isAfter(Instant.now())) {
      // The entitlement it was cached for has expired since: another one may be live.
      entitledUntil.invalidate(key);
      until =
          entitledUntil.get(key, k -> entitlements.entitledUntil(device, productId).orElse(null));
    }
    return until != null;
  }

  private static boolean uploadOff(String rawQuery) {
    for (String pair : rawQuery.split("&")) {
      if (pair.equals("upload=0")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The private endpoint the agent reported ({@code lanip}, {@code lanport}: parameters standard
   * trackers ignore), or null when it reported none or one that is not a private address. Only
   * peers behind the same public address are ever given it, so it is kept to the ranges a home
   * network uses (RFC 1918, IPv6 unique local; loopback only from loopback, i.e. one machine): a
   * device cannot point its neighbours at public hosts.
   */
  static InetSocketAddress lanEndpoint(String rawQuery, InetSocketAddress publicAddress) {
    String ip = null;
    String port = null;
    for (String pair : rawQuery.split("&")) {
      if (pair.startsWith("lanip=")) {
        ip = pair.substring("lanip=".length());
      } else if (pair.startsWith("lanport=")) {
        port = pair.substring("lanport=".length());
      }
    }
    if (ip == null || port == null || port.isEmpty() || port.length() > 5) {
      return null;
    }
    InetAddress lan =
        dev.shoal.controlplane.config.Cidr.literal(ip.replace("%3A", ":").replace("%3a", ":"));
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      return null;
    }
    if (lan == null || p < 1 || p > 65535) {
      return null;
    }
    boolean privateRange =
        lan.isSiteLocalAddress()
            || (lan instanceof java.net.Inet6Address && (lan.getAddress()[0] & 0xfe) == 0xfc)
            || (lan.isLoopbackAddress() && publicAddress.getAddress().isLoopbackAddress());
    return privateRange ? new InetSocketAddress(lan, p) : null;
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
    announces.get(result).increment();
  }

  // After the revoking transaction commits (at once when there is none): a load that read the
  // database before the commit must not be the one left in the cache.
  @TransactionalEventListener(fallbackExecution = true)
  void deviceRevoked(Devices.DeviceRevoked event) {
    forgetCached(event.deviceId());
    swarms.forgetDevice(event.deviceId());
    events.publishEvent(new AdmissionsNarrowed());
  }

  @TransactionalEventListener(fallbackExecution = true)
  void deviceChanged(Devices.DeviceChanged event) {
    forgetCached(event.deviceId());
    events.publishEvent(new AdmissionsNarrowed());
  }

  @TransactionalEventListener(fallbackExecution = true)
  void entitlementRevoked(Entitlements.EntitlementRevoked event) {
    entitledUntil.invalidateIf((key, until) -> key.productId().equals(event.productId()));
    events.publishEvent(new AdmissionsNarrowed());
  }

  // Node events may have been missed while this node was cut off from Redis: forget everything.
  @EventListener
  void nodeEventsResumed(NodeEventsResumed event) {
    devicesByPasskey.invalidateIf((passkey, device) -> true);
    liveDevicesById.invalidateIf((id, device) -> true);
    entitledUntil.invalidateIf((key, until) -> true);
    events.publishEvent(new AdmissionsNarrowed());
  }

  private void forgetCached(String deviceId) {
    devicesByPasskey.invalidateIf((passkey, device) -> device.id().equals(deviceId));
    liveDevicesById.invalidateIf((id, device) -> id.equals(deviceId));
    entitledUntil.invalidateIf((key, until) -> key.deviceId().equals(deviceId));
  }

  @Scheduled(fixedDelayString = "${shoal.tracker.interval:45s}")
  void purge() {
    // Also at start-up: every node's tracker must admit this node's seeder before it announces.
    swarms.registerOriginPasskey(originPasskey);
    swarms.purge();
  }
}
