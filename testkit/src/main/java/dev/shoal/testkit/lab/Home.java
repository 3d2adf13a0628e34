package dev.shoal.testkit.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One home: a router namespace (WAN on the lab's internet, a LAN bridge, NAT with nftables, links
 * shaped with tbf) and one namespace per player on its LAN.
 */
public final class Home {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  static final int LOCAL_API_PORT = 7700;

  private final Lab lab;
  private final int index;
  private volatile Nat nat;
  private volatile boolean resetTcp;
  private final int players;
  private Process miniupnpd;

  Home(Lab lab, int index, Nat nat, int players) {
    this.lab = lab;
    this.index = index;
    this.nat = nat;
    this.players = players;
  }

  /** 0-based. */
  public int index() {
    return index;
  }

  /** E.g. {@code home3}. */
  public String name() {
    return "home" + index;
  }

  public Nat nat() {
    return nat;
  }

  public int players() {
    return players;
  }

  /** The router's address on the lab's internet (what the tracker sees when NATed). */
  public String wanAddress() {
    return "198.51.100." + (11 + index);
  }

  /** A player's address on the home's LAN. */
  public String lanAddress(int player) {
    return lanPrefix() + "." + (10 + player);
  }

  /** E.g. {@code 192.168.4.0/24}. */
  public String lanNetwork() {
    return lanPrefix() + ".0/24";
  }

  String lanPrefix() {
    return "192.168." + (1 + index);
  }

  String routerAddress() {
    return lanPrefix() + ".1";
  }

  public String routerNamespace() {
    return lab.id() + "-r" + index;
  }

  public String hostNamespace(int player) {
    if (player < 0 || player >= players) {
      throw new IllegalArgumentException(name() + " has " + players + " player(s)");
    }
    return lab.id() + "-h" + index + "p" + player;
  }

  /** Runs a command in the router's namespace; its output. */
  public String execRouter(String... command) {
    return Shell.ok(Shell.in(routerNamespace(), List.of(command)));
  }

  /** Runs a command in a player's namespace; its output. */
  public String exec(int player, String... command) {
    return Shell.ok(Shell.in(hostNamespace(player), List.of(command)));
  }

  void build(int uplinkKbit, int uplinkQueueMs, int downlinkKbit) {
    String r = routerNamespace();
    lab.addNamespace(r);
    Shell.ok("ip", "-n", r, "link", "set", "dev", "lo", "up");
    Shell.ok(Shell.in(r, List.of("sysctl", "-qw", "net.ipv4.ip_forward=1")));
    Shell.ok(
        "ip",
        "link",
        "add",
        "name",
        "wan",
        "netns",
        r,
        "type",
        "veth",
        "peer",
        "name",
        "r" + index,
        "netns",
        lab.internetNamespace());
    Shell.ok(
        "ip",
        "-n",
        lab.internetNamespace(),
        "link",
        "set",
        "dev",
        "r" + index,
        "master",
        "bridge0",
        "up");
    Shell.ok("ip", "-n", r, "addr", "add", wanAddress() + "/24", "dev", "wan");
    Shell.ok("ip", "-n", r, "link", "set", "dev", "wan", "up");
    Shell.ok("ip", "-n", r, "link", "add", "name", "lan", "type", "bridge");
    Shell.ok("ip", "-n", r, "addr", "add", routerAddress() + "/24", "dev", "lan");
    Shell.ok("ip", "-n", r, "link", "set", "dev", "lan", "up");
    for (int p = 0; p < players; p++) {
      String h = hostNamespace(p);
      lab.addNamespace(h);
      Shell.ok("ip", "-n", h, "link", "set", "dev", "lo", "up");
      Shell.ok(
          "ip", "link", "add", "name", "eth0", "netns", h, "type", "veth", "peer", "name", "p" + p,
          "netns", r);
      Shell.ok("ip", "-n", r, "link", "set", "dev", "p" + p, "master", "lan", "up");
      Shell.ok("ip", "-n", h, "addr", "add", lanAddress(p) + "/24", "dev", "eth0");
      Shell.ok("ip", "-n", h, "link", "set", "dev", "eth0", "up");
      Shell.ok("ip", "-n", h, "route", "add", "default", "via", routerAddress());
    }
    // Upload: what leaves by the WAN; download: what the router sends into the LAN bridge
    // (player-to-player traffic on the LAN is bridged past that qdisc, as in a real home).
    shape("wan", uplinkKbit, uplinkQueueMs);
    shape("lan", downlinkKbit, 0);
    applyRuleset();
  }

  private void applyRuleset() {
    Path rules = lab.runDir().resolve(name() + ".nft");
    write(rules, "flush ruleset\n" + ruleset());
    Shell.ok("ip", "netns", "exec", routerNamespace(), "nft", "-f", rules.toString());
  }

  /**
   * Changes this home's NAT (e.g. to compare the same homes with and without NAT in one run): the
   * router's rules are replaced (its counters start again from zero, a running miniupnpd is
   * restarted), and an open home's LAN is routed from the cloud and the other routers.
   */
  public synchronized void nat(Nat type) {
    if (type == nat) {
      return;
    }
    boolean upnp = miniupnpdRunning();
    miniupnpd(false);
    Nat before = nat;
    nat = type;
    applyRuleset();
    if (before == Nat.NONE) {
      lab.routesTo(this, false);
    } else if (type == Nat.NONE) {
      lab.routesTo(this, true);
    }
    if (upnp) {
      miniupnpd(true);
    }
  }

  /**
   * Makes the NAT router answer unsolicited TCP on its WAN with a RST instead of dropping it, as
   * many home routers do (this defeats TCP hole punching; UDP is still dropped). Replaces the rules
   * as {@link #nat(Nat)} does, counters included.
   */
  public synchronized void resetUnsolicitedTcp(boolean reset) {
    if (reset == resetTcp) {
      return;
    }
    boolean upnp = miniupnpdRunning();
    miniupnpd(false);
    resetTcp = reset;
    applyRuleset();
    if (upnp) {
      miniupnpd(true);
    }
  }

  private void shape(String dev, int kbit, int queueMs) {
    List<String> cmd =
        new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", dev, "root", "tbf"));
    cmd.addAll(tbf(kbit, queueMs));
    Shell.ok(Shell.in(routerNamespace(), cmd));
  }

  /**
   * tbf's arguments for a link of {@code kbit}: with {@code queueMs} 0, tbf's {@code latency 50ms}
   * (a queue of 50 ms at the rate plus the burst), what every lab had before queues could be sized;
   * otherwise a queue ({@code limit}, bytes) that holds {@code queueMs} at the rate, as a
   * bufferbloated home router does, never smaller than the burst.
   */
  static List<String> tbf(int kbit, int queueMs) {
    if (kbit <= 0 || queueMs < 0) {
      throw new IllegalArgumentException("tbf: rate > 0 kbit and queue >= 0 ms");
    }
    // The burst must hold a whole GSO super-packet of the veth (64 KiB), or tbf drops it.
    long burst = Math.max(64 * 1024, kbit * 1000L / 8 / 50);
    List<String> args =
        new ArrayList<>(List.of("rate", kbit + "kbit", "burst", String.valueOf(burst)));
    if (queueMs == 0) {
      args.addAll(List.of("latency", "50ms"));
    } else {
      // A queue smaller than the burst would drop a super-packet the bucket lets through whole.
      long limit = Math.max(burst, kbit * 1000L / 8 * queueMs / 1000);
      args.addAll(List.of("limit", String.valueOf(limit)));
    }
    return args;
  }

  private String ruleset() {
    StringBuilder s = new StringBuilder();
    // The tables and chains miniupnpd expects (Debian's nft_init.sh is broken, see the lab notes),
    // whether or not it runs, so that starting it later needs nothing else.
    s.append("table inet filter {\n");
    s.append("  chain forward { type filter hook forward priority 0; policy accept;\n");
    s.append("    jump miniupnpd\n");
    if (nat != Nat.NONE) {
      s.append("    ct state established,related accept\n");
      s.append("    iifname \"lan\" accept\n");
      s.append("    iifname \"wan\" drop\n");
    }
    s.append("  }\n  chain miniupnpd { }\n");
    if (nat != Nat.NONE) {
      // Unsolicited connections to the router itself are dropped, as most home routers do: one
      // answered with a RST kills the other side's hole punch (its SYN reached us first and was
      // refused), so behind such routers TCP punching never connected a pair in NatLabBenchmark.
      s.append("  chain input { type filter hook input priority 0; policy accept;\n");
      if (resetTcp) {
        s.append("    iifname \"wan\" ct state new meta l4proto tcp reject with tcp reset\n");
      }
      s.append("    iifname \"wan\" ct state new drop\n  }\n");
    }
    s.append(
        "  chain prerouting { type nat hook prerouting priority -100; policy accept;"
            + " jump prerouting_miniupnpd; }\n");
    s.append(
        "  chain postrouting { type nat hook postrouting priority 100; policy accept;"
            + " jump postrouting_miniupnpd; }\n");
    s.append("  chain prerouting_miniupnpd { }\n  chain postrouting_miniupnpd { }\n}\n");
    if (nat != Nat.NONE) {
      s.append(
          "table ip labnat {\n  chain postrouting { type nat hook postrouting priority 110;\n");
      s.append("    oifname \"wan\" masquerade")
          .append(nat == Nat.SYMMETRIC ? " fully-random" : "");
      s.append("\n  }\n}\n");
    }
    // Bytes between this home and every other one (and the cloud), counted where they cross
    // the WAN: before NAT on the way out, after it on the way in.
    s.append("table inet labcount {\n  chain forward { type filter hook forward priority -300;\n");
    s.append("    oifname \"wan\" ip daddr ")
        .append(Lab.CLOUD)
        .append(" counter comment \"to-cloud\"\n");
    s.append("    iifname \"wan\" ip saddr ")
        .append(Lab.CLOUD)
        .append(" counter comment \"from-cloud\"\n");
    for (Home other : lab.homes()) {
      if (other == this) {
        continue;
      }
      String set = "{ " + other.wanAddress() + ", " + other.lanNetwork() + " }";
      s.append("    oifname \"wan\" ip daddr ")
          .append(set)
          .append(" counter comment \"to-")
          .append(other.index)
          .append("\"\n");
      s.append("    iifname \"wan\" ip saddr ")
          .append(set)
          .append(" counter comment \"from-")
          .append(other.index)
          .append("\"\n");
      // A SYN-ACK either way: a TCP connection between the two homes was accepted (dialled,
      // mapped or punched; a refused dial gets a RST, a dropped one nothing).
      s.append("    oifname \"wan\" ip daddr ")
          .append(set)
          .append(" tcp flags & (syn | ack) == syn | ack counter comment \"synack-to-")
          .append(other.index)
          .append("\"\n");
      s.append("    iifname \"wan\" ip saddr ")
          .append(set)
          .append(" tcp flags & (syn | ack) == syn | ack counter comment \"synack-from-")
          .append(other.index)
          .append("\"\n");
      // uTP's SYN-ACK: an ST_STATE packet (first byte 0x21: type 2, version 1) either way; an
      // unanswered SYN gets none, a refused one an ST_RESET (0x31).
      s.append("    oifname \"wan\" ip daddr ")
          .append(set)
          .append(" meta l4proto udp @th,64,8 0x21 counter comment \"utpstate-to-")
          .append(other.index)
          .append("\"\n");
      s.append("    iifname \"wan\" ip saddr ")
          .append(set)
          .append(" meta l4proto udp @th,64,8 0x21 counter comment \"utpstate-from-")
          .append(other.index)
          .append("\"\n");
    }
    s.append("  }\n}\n");
    if (players > 1) {
      // Player-to-player bytes on the LAN (bridged, never routed).
      s.append("table bridge lablan {\n  chain forward { type filter hook forward priority 0;\n");
      for (int a = 0; a < players; a++) {
        for (int b = 0; b < players; b++) {
          if (a != b) {
            s.append("    ip saddr ")
                .append(lanAddress(a))
                .append(" ip daddr ")
                .append(lanAddress(b))
                .append(" counter comment \"lan-")
                .append(a)
                .append('-')
                .append(b)
                .append("\"\n");
          }
        }
      }
      s.append("  }\n}\n");
    }
    return s.toString();
  }

  /** Routes this home's LAN via its WAN address, for a namespace of the internet (open homes). */
  void route(String namespace, boolean add) {
    if (add) {
      Shell.ok("ip", "-n", namespace, "route", "replace", lanNetwork(), "via", wanAddress());
    } else {
      Shell.run(List.of("ip", "-n", namespace, "route", "del", lanNetwork()));
    }
  }

  // --- counters

  private Map<String, Long> counters(String family, String table) {
    String json =
        Shell.ok(
            "ip", "netns", "exec", routerNamespace(), "nft", "-j", "list", "table", family, table);
    Map<String, Long> bytes = new HashMap<>();
    for (JsonNode item : JSON.readTree(json).get("nftables")) {
      JsonNode rule = item.get("rule");
      if (rule == null || rule.get("comment") == null) {
        continue;
      }
      for (JsonNode expr : rule.get("expr")) {
        if (expr.has("counter")) {
          bytes.put(rule.get("comment").asString(), expr.get("counter").get("bytes").asLong());
        }
      }
    }
    return bytes;
  }

  /** Bytes this home's players sent to another home, counted on this router's WAN. */
  public long bytesSentTo(Home other) {
    return counters("inet", "labcount").getOrDefault("to-" + other.index, 0L);
  }

  /** Bytes this home's players received from another home, counted on this router's WAN. */
  public long bytesReceivedFrom(Home other) {
    return counters("inet", "labcount").getOrDefault("from-" + other.index, 0L);
  }

  public long bytesSentToCloud() {
    return counters("inet", "labcount").getOrDefault("to-cloud", 0L);
  }

  public long bytesReceivedFromCloud() {
    return counters("inet", "labcount").getOrDefault("from-cloud", 0L);
  }

  /**
   * All of this router's WAN counters, in bytes: {@code to-N}, {@code from-N}, {@code to-cloud},
   * {@code synack-to-N} and {@code synack-from-N} (SYN-ACKs: connections accepted either way),
   * {@code utpstate-to-N} and {@code utpstate-from-N} (uTP ST_STATE packets, the same over UDP),
   * ...
   */
  public Map<String, Long> wanCounters() {
    return counters("inet", "labcount");
  }

  /** Bytes player {@code from} sent to player {@code to} across this home's LAN. */
  public long lanBytes(int from, int to) {
    if (players < 2) {
      return 0;
    }
    return counters("bridge", "lablan").getOrDefault("lan-" + from + "-" + to, 0L);
  }

  /** Transmitted and received bytes of an interface of the router ({@code wan}, {@code lan}). */
  public long[] interfaceBytes(String dev) {
    JsonNode link = JSON.readTree(execRouter("ip", "-j", "-s", "link", "show", "dev", dev)).get(0);
    JsonNode stats = link.get("stats64");
    return new long[] {
      stats.get("tx").get("bytes").asLong(), stats.get("rx").get("bytes").asLong()
    };
  }

  // --- miniupnpd

  /** Starts or stops miniupnpd (UPnP IGD, NAT-PMP, PCP) on this home's router. */
  public synchronized void miniupnpd(boolean on) {
    if (on == miniupnpdRunning()) {
      return;
    }
    if (!on) {
      Processes.stop(miniupnpd, Duration.ofSeconds(5));
      miniupnpd = null;
      // Whatever mappings it left behind go with it.
      for (String chain : List.of("miniupnpd", "prerouting_miniupnpd", "postrouting_miniupnpd")) {
        execRouter("nft", "flush", "chain", "inet", "filter", chain);
      }
      return;
    }
    Path conf = lab.runDir().resolve(name() + "-miniupnpd.conf");
    write(
        conf,
        String.join(
            "\n",
            "ext_ifname=wan",
            "listening_ip=lan",
            // miniupnpd refuses reserved WAN addresses (TEST-NET here) and maps nothing; this
            // placeholder is only the string it reports, never an address anything is sent to.
            "ext_ip=6.0.0." + (1 + index),
            "http_port=5000",
            "enable_natpmp=yes",
            "enable_upnp=yes",
            "secure_mode=yes",
            "system_uptime=yes",
            "uuid=" + UUID.nameUUIDFromBytes((lab.id() + name()).getBytes()),
            "allow 1024-65535 " + lanNetwork() + " 1024-65535",
            "deny 0-65535 0.0.0.0/0 0-65535",
            ""));
    List<String> cmd =
        new ArrayList<>(
            Shell.in(
                routerNamespace(),
                List.of(
                    "miniupnpd",
                    "-f",
                    conf.toString(),
                    "-d",
                    "-P",
                    lab.runDir().resolve(name() + "-miniupnpd.pid").toString())));
    miniupnpd = lab.startProcess(cmd, lab.runDir().resolve(name() + "-miniupnpd.log"));
    lab.awaitListening(routerNamespace(), 5000, Duration.ofSeconds(10));
  }

  public synchronized boolean miniupnpdRunning() {
    return miniupnpd != null && miniupnpd.isAlive();
  }

  // --- agents

  /**
   * Starts a real agent process in a player's namespace, enrolled with the lab's control plane;
   * {@code runArguments} are added to {@code shoal-agent run} (e.g. {@code --port-mapping=auto}).
   * Returns once its local API answers.
   */
  public LabAgent startAgent(int player, List<String> runArguments) {
    return lab.startAgent(this, player, runArguments);
  }

  static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return name() + "(" + nat + ", " + players + " player(s), wan " + wanAddress() + ")";
  }
}
