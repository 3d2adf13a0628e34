package dev.shoal.agent.status;

import dev.shoal.agent.bandwidth.BandwidthPolicy;
import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.bandwidth.EffectiveLimits;
import dev.shoal.agent.bandwidth.TrafficMeter;
import dev.shoal.agent.consent.ConsentLedger;
import dev.shoal.agent.consent.ConsentRecord;
import dev.shoal.agent.consent.ConsentScope;
import dev.shoal.agent.install.InstallStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Assembles {@link AgentStatus} from the live parts. Cheap enough to call on every request. */
public final class StatusReporter {
  private static final int MAX_CACHE_ITEMS = 200;

  /** Peers listed one by one; a busy seeder has hundreds, the page says how many more. */
  public static final int MAX_CONNECTIONS = 50;

  private final String deviceId;
  private final BandwidthPolicy policy;
  private final TrafficMeter meter;
  private final ConsentLedger consent;
  private final Path cacheDir;
  private volatile Supplier<AgentStatus.Rates> liveRates = () -> new AgentStatus.Rates(0, 0, 0, 0);

  private volatile Supplier<List<InstallStatus>> installs = List::of;

  private volatile Supplier<List<AgentStatus.Connection>> connections = List::of;

  public StatusReporter(
      String deviceId,
      BandwidthPolicy policy,
      TrafficMeter meter,
      ConsentLedger consent,
      Path cacheDir) {
    this.deviceId = deviceId;
    this.policy = policy;
    this.meter = meter;
    this.consent = consent;
    this.cacheDir = cacheDir;
  }

  private volatile Supplier<AgentStatus.PortMapping> portMapping =
      () -> new AgentStatus.PortMapping(null, 0, 0, 0, null, "not started", false);

  /** Where the port mapping's state comes from. */
  public void setPortMapping(Supplier<AgentStatus.PortMapping> source) {
    portMapping = java.util.Objects.requireNonNull(source);
  }

  /** Where the live rates and peer count come from (the agent's swarm engine). */
  public void setLiveRates(Supplier<AgentStatus.Rates> source) {
    liveRates = java.util.Objects.requireNonNull(source);
  }

  /** Where the connected peers come from (the agent's swarm engine). */
  public void setConnections(Supplier<List<AgentStatus.Connection>> source) {
    connections = java.util.Objects.requireNonNull(source);
  }

  private volatile long cacheLimitBytes;

  private volatile java.util.function.Function<String, String> cacheLabels = name -> null;

  /** What each cached file is, for people (the swarm engine's pack labels); null if unknown. */
  public void setCacheLabels(java.util.function.Function<String, String> source) {
    cacheLabels = java.util.Objects.requireNonNull(source);
  }

  /** The cache's size limit, shown with the cache listing. */
  public void setCacheLimit(long bytes) {
    cacheLimitBytes = bytes;
  }

  /** Where the installs in progress and recently finished come from. */
  public void setInstalls(Supplier<List<InstallStatus>> source) {
    installs = java.util.Objects.requireNonNull(source);
  }

  public AgentStatus status() {
    EffectiveLimits eff = policy.evaluate();
    BandwidthSettings s = policy.settings();
    return new AgentStatus(
        deviceId,
        new AgentStatus.Sharing(
            eff.uploadAllowed(),
            eff.uploadOffReasons(),
            eff.downloadFromPeersAllowed(),
            eff.uploadCapBytesPerSecond(),
            eff.downloadCapBytesPerSecond()),
        s,
        allowance(s),
        policy.quietMode(),
        policy.paused(),
        policy.powerSource(),
        new AgentStatus.Consent(
            scope(ConsentScope.DOWNLOAD_FROM_PEERS), scope(ConsentScope.UPLOAD_TO_PEERS)),
        new AgentStatus.Activity(meter.today(), meter.thisMonth()),
        liveRates.get(),
        connections(),
        cacheListing(),
        cacheLimitBytes,
        installs.get(),
        portMapping.get());
  }

  private AgentStatus.Connections connections() {
    List<AgentStatus.Connection> all = connections.get();
    List<AgentStatus.Connection> busiest =
        all.stream()
            .sorted(
                Comparator.comparingLong(AgentStatus.Connection::bytesPerSecond)
                    .reversed()
                    .thenComparing(AgentStatus.Connection::address))
            .limit(MAX_CONNECTIONS)
            .toList();
    return new AgentStatus.Connections(all.size(), busiest);
  }

  private AgentStatus.Allowance allowance(BandwidthSettings s) {
    long remaining = policy.allowanceRemainingBytes();
    return new AgentStatus.Allowance(
        s.monthlyUploadAllowanceBytes(),
        meter.thisMonth().uploaded(),
        remaining < 0 ? null : remaining,
        meter.monthResetsAt().toOffsetDateTime());
  }

  private AgentStatus.ScopeState scope(ConsentScope scope) {
    return consent
        .current(scope)
        .map(StatusReporter::state)
        .orElse(new AgentStatus.ScopeState(false, null, null, null, null, null));
  }

  private static AgentStatus.ScopeState state(ConsentRecord r) {
    return new AgentStatus.ScopeState(
        r.granted(), r.at(), r.askedWhere(), r.textId(), r.textVersion(), r.textLocale());
  }

  /** Placeholder until the chunk cache exists: the top-level entries of the cache directory. */
  private List<AgentStatus.CachedItem> cacheListing() {
    try (Stream<Path> entries = Files.list(cacheDir)) {
      return entries
          .sorted(Comparator.comparing(Path::getFileName))
          .limit(MAX_CACHE_ITEMS)
          .map(
              p -> {
                String name = p.getFileName().toString();
                return new AgentStatus.CachedItem(name, size(p), cacheLabels.apply(name));
              })
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static long size(Path p) {
    try (Stream<Path> walk = Files.walk(p)) {
      return walk.filter(Files::isRegularFile)
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException e) {
      return 0;
    }
  }
}
