package dev.shoal.swarm;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * Engine-wide settings, made with {@link #builder()} (or {@link #toBuilder()} to derive one).
 *
 * @param listenPort TCP port for incoming peers, 0 = pick a free one
 * @param bindAddress address to listen on, e.g. "0.0.0.0" or "127.0.0.1"
 * @param role whether this engine is a player or the publisher's origin seeder
 * @param maxConnections cap on peer connections over all torrents
 * @param uploadSlots regularly unchoked peers per torrent (plus one optimistic)
 * @param maxRequestsPerPeer upper bound of the adaptive request pipeline (16 KiB blocks)
 * @param globalUpCap bytes/s, 0 = unlimited
 * @param globalDownCap bytes/s, 0 = unlimited (origin bytes count too)
 * @param uploadEnabled false = leech-only: no listening socket, no unchoking
 * @param holePunch take part in hole punching (BEP 55, ut_holepunch): relay rendezvous between
 *     connected peers, ask a relay when a dial fails, and connect from the listening port when told
 *     (the listening socket then carries SO_REUSEPORT)
 * @param userAgent sent to trackers and web seeds, and as "v" in the extension handshake
 * @param originFallbackAfter how long a torrent may go without useful peers before the web seed is
 *     used
 * @param originMinPeerRate peer download rate (bytes/s) below which the web seed helps out
 * @param uploadBudget an upload budget shared with others (the origin's HTTP side), used instead of
 *     {@code globalUpCap} when set; null = the engine's own
 * @param admission which peers may take part in a torrent, asked with the info hash (40 lowercase
 *     hex digits) and the peer's address once its handshake names the torrent, before anything of
 *     the torrent is sent (on an incoming connection, before our own handshake), and again for
 *     every connected peer by {@link Swarm#recheckAdmission()}; a refused peer is dropped. It runs
 *     on the engine thread, so it must answer quickly. null = every peer (players: whoever knows
 *     the info hash); the origin seeder asks its tracker, which knows who announced from where
 * @param lanNetworks the networks of our LAN ("192.168.1.0/24", "fd00::/8", or one address): peers
 *     whose connection comes from there are LAN peers, whose traffic stays in the home. A player's
 *     uploads to them are not held to the upload caps (consent still applies: with uploads off
 *     nobody gets a byte) and it asks them first. null (the default) = the private subnets of this
 *     host's own interfaces, found again every 30 s; empty = no LAN peers. The origin seeder keeps
 *     its budget for every peer
 * @param utp speak uTP (BEP 29) beside TCP (default off; the agent turns it on, see
 *     swarm/README.md, "uTP"): a UDP socket on the listening port number accepts uTP peers, and
 *     dialling tries uTP first, racing TCP beside it when the uTP SYN goes unanswered for 500 ms;
 *     LAN peers are dialled over TCP. uTP's LEDBAT congestion control yields to the player's other
 *     traffic on the uplink
 */
public record SwarmConfig(
    int listenPort,
    String bindAddress,
    Role role,
    int maxConnections,
    int uploadSlots,
    int maxRequestsPerPeer,
    long globalUpCap,
    long globalDownCap,
    boolean uploadEnabled,
    String userAgent,
    Duration originFallbackAfter,
    long originMinPeerRate,
    UploadBudget uploadBudget,
    boolean holePunch,
    BiPredicate<String, InetAddress> admission,
    List<String> lanNetworks,
    boolean utp) {

  /** The peer id prefix of players, Azureus style. */
  public static final String DEFAULT_PEER_ID_PREFIX = "-SH0100-";

  /**
   * The peer id prefix of a publisher's origin seeder. Bytes from a peer whose id starts with it
   * count as from the origin, not from peers, so the offload ratio measures what other players
   * gave. Players also treat it as the publisher's capped seeder: its BEP 6 rejects are not counted
   * as lies (an older seeder refused a piece it had sent another player first), and while it is
   * connected the HTTP origin waits for 15 s of silence or of a slow download. A peer that lies
   * with this prefix makes its own contribution look smaller, and can delay the HTTP origin by
   * those 15 s.
   */
  public static final String ORIGIN_PEER_ID_PREFIX = "-SO0100-";

  /**
   * What this engine is in the swarm. The role is set by whoever starts the engine (the control
   * plane starts the origin seeder); the peer id prefix follows from it, so that other peers can
   * tell the origin seeder apart on the wire.
   */
  public enum Role {
    /** A player's engine: downloads, and uploads to other players if allowed. */
    PLAYER,
    /**
     * The publisher's origin seeder: unchokes every downloading player and shares its capped upload
     * among them round robin, so each gets a fair share of the origin.
     */
    ORIGIN_SEEDER;

    /** The first 8 bytes of this engine's peer id. */
    public String peerIdPrefix() {
      return this == ORIGIN_SEEDER ? ORIGIN_PEER_ID_PREFIX : DEFAULT_PEER_ID_PREFIX;
    }
  }

  public SwarmConfig {
    if (listenPort < 0 || listenPort > 65535) {
      throw new IllegalArgumentException("listenPort out of range");
    }
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(userAgent, "userAgent");
    Objects.requireNonNull(originFallbackAfter, "originFallbackAfter");
    if (maxConnections < 1 || uploadSlots < 1 || maxRequestsPerPeer < 4) {
      throw new IllegalArgumentException("maxConnections/uploadSlots/maxRequestsPerPeer too small");
    }
    if (globalUpCap < 0 || globalDownCap < 0 || originMinPeerRate < 0) {
      throw new IllegalArgumentException("caps must be >= 0");
    }
    if (lanNetworks != null) {
      lanNetworks = List.copyOf(lanNetworks);
      lanNetworks.forEach(LanNetworks.Cidr::parse); // IllegalArgumentException if malformed
    }
  }

  /** Whether this engine is the publisher's origin seeder. */
  public boolean isOrigin() {
    return role == Role.ORIGIN_SEEDER;
  }

  /** Defaults: random port on all interfaces, 200 connections, 8 slots, up to 256 requests. */
  public static SwarmConfig defaults() {
    return builder().build();
  }

  /** A builder holding the {@linkplain #defaults() defaults}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    return new Builder()
        .listenPort(listenPort)
        .bindAddress(bindAddress)
        .role(role)
        .maxConnections(maxConnections)
        .uploadSlots(uploadSlots)
        .maxRequestsPerPeer(maxRequestsPerPeer)
        .globalUpCap(globalUpCap)
        .globalDownCap(globalDownCap)
        .uploadEnabled(uploadEnabled)
        .userAgent(userAgent)
        .originFallbackAfter(originFallbackAfter)
        .originMinPeerRate(originMinPeerRate)
        .uploadBudget(uploadBudget)
        .holePunch(holePunch)
        .admission(admission)
        .lanNetworks(lanNetworks)
        .utp(utp);
  }

  /** Collects the settings; {@link #build()} checks them. Each setter's meaning is the field's. */
  public static final class Builder {
    private int listenPort;
    private String bindAddress = "0.0.0.0";
    private Role role = Role.PLAYER;
    private int maxConnections = 200;
    private int uploadSlots = 8;
    private int maxRequestsPerPeer = 256;
    private long globalUpCap;
    private long globalDownCap;
    private boolean uploadEnabled = true;
    private String userAgent = "Shoal/0.1";
    private Duration originFallbackAfter = Duration.ofSeconds(2);
    private long originMinPeerRate = 64 * 1024;
    private UploadBudget uploadBudget;
    private boolean holePunch = true;
    private BiPredicate<String, InetAddress> admission;
    private List<String> lanNetworks;
    private boolean utp;

    private Builder() {}

    public Builder utp(boolean on) {
      this.utp = on;
      return this;
    }

    public Builder holePunch(boolean on) {
      this.holePunch = on;
      return this;
    }

    public Builder listenPort(int port) {
      this.listenPort = port;
      return this;
    }

    public Builder bindAddress(String address) {
      this.bindAddress = address;
      return this;
    }

    public Builder role(Role role) {
      this.role = role;
      return this;
    }

    public Builder maxConnections(int max) {
      this.maxConnections = max;
      return this;
    }

    public Builder uploadSlots(int slots) {
      this.uploadSlots = slots;
      return this;
    }

    public Builder maxRequestsPerPeer(int max) {
      this.maxRequestsPerPeer = max;
      return this;
    }

    public Builder globalUpCap(long bytesPerSecond) {
      this.globalUpCap = bytesPerSecond;
      return this;
    }

    public Builder globalDownCap(long bytesPerSecond) {
      this.globalDownCap = bytesPerSecond;
      return this;
    }

    public Builder uploadEnabled(boolean enabled) {
      this.uploadEnabled = enabled;
      return this;
    }

    public Builder userAgent(String agent) {
      this.userAgent = agent;
      return this;
    }

    public Builder originFallbackAfter(Duration after) {
      this.originFallbackAfter = after;
      return this;
    }

    public Builder originMinPeerRate(long bytesPerSecond) {
      this.originMinPeerRate = bytesPerSecond;
      return this;
    }

    public Builder uploadBudget(UploadBudget budget) {
      this.uploadBudget = budget;
      return this;
    }

    public Builder admission(BiPredicate<String, InetAddress> admits) {
      this.admission = admits;
      return this;
    }

    public Builder lanNetworks(List<String> networks) {
      this.lanNetworks = networks;
      return this;
    }

    /**
     * The config.
     *
     * @throws IllegalArgumentException if a value is out of range
     * @throws NullPointerException if a text, role or duration is null
     */
    public SwarmConfig build() {
      return new SwarmConfig(
          listenPort,
          bindAddress,
          role,
          maxConnections,
          uploadSlots,
          maxRequestsPerPeer,
          globalUpCap,
          globalDownCap,
          uploadEnabled,
          userAgent,
          originFallbackAfter,
          originMinPeerRate,
          uploadBudget,
          holePunch,
          admission,
          lanNetworks,
          utp);
    }
  }
}
