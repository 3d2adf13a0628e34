package dev.shoal.controlplane.origin;

import dev.shoal.controlplane.config.PublicUrls;
import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.release.Publishing;
import dev.shoal.controlplane.release.Releases;
import dev.shoal.controlplane.tracker.Tracker;
import dev.shoal.swarm.Progress;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentHandle;
import dev.shoal.swarm.TorrentJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Seeds every published pack over BitTorrent with the swarm engine, under {@code
 * shoal.origin.upload-cap} (one budget with the HTTP origin, {@link OriginBudget}), announcing to
 * our own tracker with the origin passkey: the tracker lists it first to every entitled device. It
 * serves only peers the tracker admits ({@link Tracker#admitsPeer}). Packs are rechecked from disk
 * when added.
 */
@Component
class OriginSeeder implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(OriginSeeder.class);

  private final ShoalProperties properties;
  private final Releases releases;
  private final Tracker tracker;
  private final PublicUrls urls;
  private final OriginTraffic traffic;
  private final OriginBudget budget;
  private final Set<String> seeding = ConcurrentHashMap.newKeySet();
  private volatile Swarm swarm;

  OriginSeeder(
      ShoalProperties properties,
      Releases releases,
      Tracker tracker,
      PublicUrls urls,
      OriginTraffic traffic,
      OriginBudget budget) {
    this.properties = properties;
    this.budget = budget;
    this.traffic = traffic;
    this.releases = releases;
    this.tracker = tracker;
    this.urls = urls;
  }

  @Override
  public void start() {
    ShoalProperties.Origin origin = properties.origin();
    if (!origin.seederEnabled()) {
      return;
    }
    try {
      swarm =
          Swarm.start(
              SwarmConfig.builder()
                  .listenPort(origin.seederPort())
                  .bindAddress(origin.seederBindAddress())
                  // Devices count what the seeder sends as origin bytes, not peer bytes.
                  .role(SwarmConfig.Role.ORIGIN_SEEDER)
                  // One budget with the HTTP origin: shoal.origin.upload-cap covers both.
                  .uploadBudget(budget.budget())
                  // Only peers the tracker admitted: a live, entitled device announced this pack
                  // from the peer's address recently. Knowing an info hash is not enough.
                  .admission(tracker::admitsPeer)
                  .build());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the origin seeder", e);
    }
    log.info("Origin seeder listening on port {}", swarm.listenPort());
  }

  /** The port peers reach the seeder on, or -1 when it is off. */
  int listenPort() {
    return swarm == null ? -1 : swarm.listenPort();
  }

  @EventListener
  void seedPublished(ApplicationReadyEvent event) {
    releases.publishedPacks().forEach(this::seed);
  }

  @EventListener
  void published(Publishing.ReleasePublished event) {
    releases.packs(event.releaseId()).forEach(this::seed);
  }

  private void seed(Releases.Pack pack) {
    Swarm running = swarm;
    if (running == null || !seeding.add(pack.infoHash())) {
      return;
    }
    try {
      TorrentHandle handle =
          running.add(
              TorrentJob.builder(pack.torrent(), Path.of(pack.path()))
                  .announceUrl(urls.announce(tracker.originPasskey()))
                  .build());
      traffic.seeding(
          pack.infoHash(),
          () -> {
            Progress progress = handle.progress();
            return progress == null ? 0 : progress.uploaded();
          });
    } catch (IOException | RuntimeException e) {
      seeding.remove(pack.infoHash());
      log.error("Cannot seed pack {}", pack.infoHash(), e);
    }
  }

  // A device or an entitlement was revoked (here or on another node, after the tracker forgot
  // it): connections from addresses no longer admitted are closed before this returns.
  @EventListener
  void admissionsNarrowed(Tracker.AdmissionsNarrowed event) {
    Swarm running = swarm;
    if (running != null) {
      running.recheckAdmission();
    }
  }

  @Override
  public void stop() {
    Swarm running = swarm;
    swarm = null;
    if (running != null) {
      running.close();
    }
  }

  @Override
  public boolean isRunning() {
    return swarm != null;
  }
}
