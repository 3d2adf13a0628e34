package dev.shoal.agent.portmap;

import dev.shoal.agent.threads.DaemonThreads;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the engine's listening port mapped on the home router while uploads are allowed (which
 * needs the player's upload consent), and unmapped otherwise: NAT-PMP to the default gateway first
 * (one UDP exchange), then UPnP IGD (SSDP discovery, SOAP). TCP always; with uTP on, UDP too, at
 * the same external port (peers are told one port for both). A mapping has a lease, renewed at half
 * of it, and is deleted when uploads stop (consent withdrawn, paused...) and when the agent exits.
 * The mapped external port is handed to the engine to announce; the external address is never taken
 * from the router.
 *
 * <p>All router traffic runs on one thread of its own; {@link #want} only records the wish and
 * queues the work, so the policy listener that calls it never waits on a router.
 */
public final class PortMapper implements AutoCloseable {

  public static final String UPNP = "UPnP IGD";
  public static final String NAT_PMP = "NAT-PMP";

  /**
   * The mapping now: {@code protocol} ({@link #UPNP} or {@link #NAT_PMP}), the external port peers
   * are told, the lease in seconds (0 = permanent: the router knows no leases, we delete it
   * ourselves) and when it ends, whether UDP (uTP) is mapped there beside TCP; or, with {@code
   * protocol} null, why there is none.
   */
  public record Mapping(
      String protocol,
      int externalPort,
      int internalPort,
      long leaseSeconds,
      Instant expiresAt,
      String whyNone,
      boolean udp) {}

  private static final Logger LOG = Logger.getLogger(PortMapper.class.getName());
  static final Duration DEFAULT_LEASE = Duration.ofHours(1);
  private static final Duration RETRY = Duration.ofMinutes(5);
  private static final Duration DISCOVERY = Duration.ofSeconds(2);

  /** One mapping held on the router; {@code udp}: UDP is forwarded at the same external port. */
  private record Held(
      String protocol,
      int internalPort,
      int externalPort,
      long leaseSeconds,
      Instant at,
      boolean udp) {
    Held withUdp(boolean on) {
      return new Held(protocol, internalPort, externalPort, leaseSeconds, at, on);
    }
  }

  private final boolean enabled;
  private final boolean udp;
  private final IntConsumer announcePort;
  private final Clock clock;
  private final Duration lease;
  private final Path routeTable;
  private final ScheduledExecutorService thread;

  // Written by the callers of want(), read by the mapping thread.
  private volatile boolean wanted;
  private volatile int wantedPort;
  private volatile boolean closed;

  // The mapping thread's own state; read by status() without locks (a snapshot is fine).
  private volatile Held held;
  private volatile String reason;
  private NatPmp natPmp;
  private UpnpIgd igd;
  private ScheduledFuture<?> next;

  /**
   * {@code enabled} false: never maps (the player turned it off); status says so. {@code udp}: map
   * UDP too (the engine speaks uTP).
   */
  public PortMapper(boolean enabled, boolean udp, IntConsumer announcePort, Clock clock) {
    this(enabled, udp, announcePort, clock, DEFAULT_LEASE, Path.of("/proc/net/route"));
  }

  PortMapper(
      boolean enabled,
      boolean udp,
      IntConsumer announcePort,
      Clock clock,
      Duration lease,
      Path routeTable) {
    this.enabled = enabled;
    this.udp = udp;
    this.announcePort = announcePort;
    this.clock = clock;
    this.lease = lease;
    this.routeTable = routeTable;
    this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("shoal-portmap"));
    this.reason = !enabled ? "port mapping is off (--port-mapping=off)" : "uploads are off";
  }

  /**
   * Uploads are allowed on {@code listenPort} (map it) or not ({@code allowed} false or port 0:
   * delete the mapping). Returns at once; the router is asked on the mapping thread.
   */
  public void want(boolean allowed, int listenPort) {
    if (!enabled || closed) {
      return;
    }
    boolean w = allowed && listenPort > 0;
    if (w == wanted && listenPort == wantedPort) {
      return;
    }
    wanted = w;
    wantedPort = listenPort;
    try {
      thread.execute(this::reconcile);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing: close() deletes the mapping
    }
  }

  /** What the status page and {@code shoal-agent status} show. */
  public Mapping status() {
    Held h = held;
    if (h == null) {
      return new Mapping(null, 0, 0, 0, null, reason, false);
    }
    Instant expires = h.leaseSeconds() == 0 ? null : h.at().plusSeconds(h.leaseSeconds());
    return new Mapping(
        h.protocol(), h.externalPort(), h.internalPort(), h.leaseSeconds(), expires, null, h.udp());
  }

  /** Deletes the mapping (waits up to 3 s for the router) and stops the thread. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    wanted = false;
    ExecutorService t = thread;
    t.execute(this::reconcile);
    t.shutdown();
    try {
      if (!t.awaitTermination(3, TimeUnit.SECONDS)) {
        t.shutdownNow();
      }
    } catch (InterruptedException e) {
      t.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- mapping thread

  private void reconcile() {
    if (next != null) {
      next.cancel(false);
      next = null;
    }
    Held h = held;
    boolean w = wanted;
    int port = wantedPort;
    if (h != null && (!w || h.internalPort() != port)) {
      announcePort.accept(0);
      delete(h);
      held = null;
      reason = w ? "listening port changed" : closed ? "agent stopped" : "uploads are off";
    }
    if (!w) {
      if (!closed) {
        reason = "uploads are off";
      }
      return;
    }
    if (held == null) {
      map(port);
    }
  }

  private void map(int port) {
    Held h = null;
    String why = null;
    try {
      h = mapNatPmp(port, port);
    } catch (IOException e) {
      why = e.getMessage();
    }
    if (h == null && wanted) {
      try {
        h = mapUpnp(port, port);
        if (h == null) {
          why = (why == null ? "" : why + "; ") + "no UPnP Internet gateway answered";
        }
      } catch (IOException e) {
        why = (why == null ? "" : why + "; ") + e.getMessage();
      }
    }
    if (h == null) {
      reason = why == null ? "no router answered" : why;
      LOG.info("no port mapping: " + reason);
      schedule(this::reconcile, RETRY.toSeconds());
      return;
    }
    if (udp) {
      h = alsoUdp(h);
    }
    held = h;
    reason = null;
    if (!wanted || closed) {
      reconcile(); // withdrawn meanwhile: delete at once
      return;
    }
    announcePort.accept(h.externalPort());
    LOG.info(
        "mapped "
            + (h.udp() ? "TCP and UDP" : "TCP")
            + " port "
            + port
            + " as external "
            + h.externalPort()
            + " by "
            + h.protocol());
    if (h.leaseSeconds() > 0) {
      schedule(this::renew, Math.max(h.leaseSeconds() / 2, 1));
    }
  }

  private void renew() {
    Held h = held;
    if (h == null || !wanted) {
      return;
    }
    try {
      Held renewed =
          h.protocol().equals(NAT_PMP)
              ? mapNatPmp(h.internalPort(), h.externalPort())
              : mapUpnp(h.internalPort(), h.externalPort());
      if (renewed != null) {
        if (h.udp() && renewed.externalPort() != h.externalPort()) {
          delete(h, IpProtocol.UDP);
        }
        if (udp) {
          renewed = alsoUdp(renewed);
        }
        held = renewed;
        if (renewed.externalPort() != h.externalPort()) {
          announcePort.accept(renewed.externalPort());
        }
        schedule(this::renew, Math.max(renewed.leaseSeconds() / 2, 1));
        return;
      }
    } catch (IOException e) {
      LOG.info("renewing the port mapping failed: " + e.getMessage());
    }
    // Not renewed: start over (a router restart forgets mappings and may change protocol).
    held = null;
    announcePort.accept(0);
    natPmp = null;
    igd = null;
    map(h.internalPort());
  }

  private void schedule(Runnable task, long seconds) {
    if (!closed) {
      next = thread.schedule(task, seconds, TimeUnit.SECONDS);
    }
  }

  private Held mapNatPmp(int internalPort, int external) throws IOException {
    if (natPmp == null) {
      InetAddress gateway = NatPmp.defaultGateway(routeTable);
      if (gateway == null) {
        throw new IOException("NAT-PMP: no default gateway known");
      }
      natPmp = new NatPmp(gateway);
    }
    NatPmp.Granted g = natPmp.map(IpProtocol.TCP, internalPort, external, lease.toSeconds());
    return new Held(
        NAT_PMP, internalPort, g.externalPort(), g.lifetimeSeconds(), clock.instant(), false);
  }

  private Held mapUpnp(int internalPort, int external) throws IOException {
    if (igd == null) {
      igd = UpnpIgd.discover(DISCOVERY, () -> !wanted || closed);
      if (igd == null) {
        return null;
      }
    }
    InetAddress self = localAddressTowards(igd.router());
    long leaseSeconds = lease.toSeconds();
    int port = external;
    for (int attempt = 0; ; attempt++) {
      try {
        igd.addPortMapping(IpProtocol.TCP, port, self, internalPort, leaseSeconds);
        return new Held(UPNP, internalPort, port, leaseSeconds, clock.instant(), false);
      } catch (UpnpIgd.UpnpError e) {
        if (e.code == 725 && leaseSeconds != 0) {
          leaseSeconds = 0; // OnlyPermanentLeasesSupported: deleted by us on exit instead
        } else if (e.code == 718 && attempt < 3) {
          port = ThreadLocalRandom.current().nextInt(20000, 60000); // taken by another host
        } else {
          throw e;
        }
      }
    }
  }

  /**
   * Maps UDP at the external port TCP got: the engine's uTP socket has the TCP listener's port
   * number, and peers are told one port. A router that refuses, or gives UDP another external port,
   * leaves the TCP mapping as it is; uTP then reaches us by hole punching only.
   */
  private Held alsoUdp(Held h) {
    try {
      if (h.protocol().equals(NAT_PMP) ? natPmpUdp(h) : upnpUdp(h)) {
        return h.withUdp(true);
      }
      LOG.info("UDP not mapped: the router had another external port for it than TCP's");
    } catch (IOException e) {
      LOG.info("UDP not mapped: " + e.getMessage());
    }
    return h.withUdp(false);
  }

  private boolean natPmpUdp(Held h) throws IOException {
    NatPmp.Granted g =
        natPmp.map(IpProtocol.UDP, h.internalPort(), h.externalPort(), lease.toSeconds());
    if (g.externalPort() == h.externalPort()) {
      return true;
    }
    natPmp.map(IpProtocol.UDP, h.internalPort(), 0, 0);
    return false;
  }

  private boolean upnpUdp(Held h) throws IOException {
    try {
      igd.addPortMapping(
          IpProtocol.UDP,
          h.externalPort(),
          localAddressTowards(igd.router()),
          h.internalPort(),
          h.leaseSeconds());
      return true;
    } catch (UpnpIgd.UpnpError e) {
      if (e.code == 718) {
        return false; // that external port's UDP is another host's
      }
      throw e;
    }
  }

  private void delete(Held h) {
    delete(h, IpProtocol.TCP);
    if (h.udp()) {
      delete(h, IpProtocol.UDP);
    }
  }

  private void delete(Held h, IpProtocol what) {
    try {
      if (h.protocol().equals(NAT_PMP) && natPmp != null) {
        natPmp.map(what, h.internalPort(), 0, 0);
      } else if (igd != null) {
        igd.deletePortMapping(what, h.externalPort());
      }
      LOG.info("deleted the " + what + " port mapping of external port " + h.externalPort());
    } catch (IOException e) {
      // It lapses with its lease; a permanent UPnP one stays until the router restarts.
      LOG.log(Level.INFO, "deleting the " + what + " port mapping failed: " + e.getMessage());
    }
  }

  /** The local address our packets to {@code router} leave from (UDP connect: nothing is sent). */
  private static InetAddress localAddressTowards(InetAddress router) throws IOException {
    try (DatagramSocket probe = new DatagramSocket()) {
      probe.connect(new InetSocketAddress(router, 1900));
      return probe.getLocalAddress();
    }
  }
}
