package dev.shoal.agent.status;

import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.bandwidth.PowerSource;
import dev.shoal.agent.bandwidth.TrafficMeter.Totals;
import dev.shoal.agent.consent.AskedWhere;
import dev.shoal.agent.install.InstallStatus;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything the status page, {@code shoal-agent status} and {@code GET /v1/status} show. */
public record AgentStatus(
    String deviceId,
    Sharing sharing,
    BandwidthSettings limits,
    Allowance allowance,
    boolean quietMode,
    boolean paused,
    PowerSource powerSource,
    Consent consent,
    Activity activity,
    Rates rates,
    Connections connections,
    List<CachedItem> cache,
    long cacheLimitBytes,
    List<InstallStatus> installs,
    PortMapping portMapping) {

  public AgentStatus {
    cache = List.copyOf(cache);
    installs = List.copyOf(installs);
  }

  /** Whether uploading and downloading from peers happen now, and why not. */
  public record Sharing(
      boolean uploading,
      List<String> uploadOffReasons,
      boolean downloadingFromPeers,
      long uploadCapBytesPerSecond,
      long downloadCapBytesPerSecond) {
    public Sharing {
      uploadOffReasons = List.copyOf(uploadOffReasons);
    }
  }

  /** The monthly upload allowance; {@code remainingBytes} null means no monthly limit. */
  public record Allowance(
      long monthlyBytes, long usedBytes, Long remainingBytes, OffsetDateTime resetsAt) {}

  /** The current answer per scope. */
  public record Consent(ScopeState downloadFromPeers, ScopeState uploadToPeers) {}

  /** One scope's answer; {@code at} null when the player was never asked. */
  public record ScopeState(
      boolean granted,
      Instant at,
      AskedWhere askedWhere,
      String textId,
      Integer textVersion,
      String textLocale) {}

  /** Bytes moved, per origin. */
  public record Activity(Totals today, Totals thisMonth) {}

  /** Live rates and peers; {@code listenPort} is 0 while no peer may connect (uploads off). */
  public record Rates(
      long downloadBytesPerSecond, long uploadBytesPerSecond, int peers, int listenPort) {}

  /**
   * The connected peers: {@code total} of them, the busiest ({@link Connection#bytesPerSecond})
   * first in {@code busiest}, at most {@link StatusReporter#MAX_CONNECTIONS}.
   */
  public record Connections(int total, List<Connection> busiest) {
    public Connections {
      busiest = List.copyOf(busiest);
    }

    /** Connected but not in {@code busiest}. */
    public int notListed() {
      return total - busiest.size();
    }
  }

  /**
   * One connected peer: {@code address} "host:port" as the kernel reports it; {@code transport}
   * "tcp" or "utp"; {@code outgoing} when this agent dialled it; {@code lan} when it is on the
   * player's own network (its traffic stays in the home).
   */
  public record Connection(
      String address,
      String transport,
      boolean outgoing,
      boolean lan,
      long downloadBytesPerSecond,
      long uploadBytesPerSecond) {
    /** Both directions: what "busiest" sorts by. */
    long bytesPerSecond() {
      return downloadBytesPerSecond + uploadBytesPerSecond;
    }
  }

  /**
   * The listening port's mapping on the home router: {@code protocol} ("UPnP IGD" or "NAT-PMP"),
   * the external port peers are told, the lease in seconds (0 = permanent: the router knows no
   * leases, we delete it ourselves) and when it ends; or, with {@code protocol} null, why there is
   * none.
   */
  public record PortMapping(
      String protocol,
      int externalPort,
      int internalPort,
      long leaseSeconds,
      Instant expiresAt,
      String whyNone,
      boolean udp) {
    /** One line for people. */
    public String describe() {
      if (protocol == null) {
        return "none (" + whyNone + ")";
      }
      return protocol
          + ", external port "
          + externalPort
          + " to "
          + internalPort
          + (udp ? " (TCP and UDP)" : " (TCP)")
          + (leaseSeconds == 0 ? ", permanent until removed" : ", lease until " + expiresAt);
    }
  }

  /**
   * One top-level entry of the cache directory: {@code name} is the file's (an info hash for a
   * pack), {@code label} what it is for people ("demo 1.0.1 (version 2), full game"), null if
   * unknown.
   */
  public record CachedItem(String name, long bytes, String label) {
    /** The label when known, else the file name. */
    public String describe() {
      return label != null ? label : name;
    }
  }

  /**
   * The latest install of each game directory (product, channel, directory), oldest first: a check
   * that finds the game up to date, or a retry that succeeds, replaces the line of the run before
   * it instead of adding one, so an old failure does not linger next to a success.
   */
  public List<InstallStatus> latestInstalls() {
    Map<List<String>, InstallStatus> latest = new LinkedHashMap<>();
    for (InstallStatus i : installs) {
      List<String> key = List.of(i.product(), i.channel(), i.directory());
      latest.remove(key); // re-inserted last: the order is that of the latest runs
      latest.put(key, i);
    }
    return List.copyOf(latest.values());
  }

  /** {@link #latestInstalls}, a line each in words, times in {@code zone}. */
  public List<String> latestInstallLines(java.time.ZoneId zone) {
    return latestInstalls().stream().map(i -> i.describe(zone)).toList();
  }
}
