package dev.shoal.agent;

import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.bandwidth.PowerProbe;
import dev.shoal.agent.controlplane.ControlPlane;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Objects;

/**
 * How the agent runs. Immutable, validated when built: {@code AgentConfig.builder().dataDir(dir)
 * .build()}.
 *
 * @param dataDir where keys, consent log, counters and cache live (owner-only)
 * @param controlPlaneUrl https, or http only on loopback (tests, local dev)
 * @param localApiPort 0 picks a random free port (the normal case); the port is published in {@code
 *     <dataDir>/local-api.json}
 * @param zone the player's time zone, for upload hours and the monthly allowance reset
 * @param defaultLimits bandwidth settings until the player changes them
 * @param maxRequestBodyBytes local API bodies larger than this are refused with 413
 * @param powerSupplyRoot Linux sysfs power-supply directory (tests point it elsewhere)
 * @param tickInterval how often power, upload hours and counters are re-checked
 * @param cacheLimitBytes most bytes of packs kept for seeding; 0 = the default rule, the smaller of
 *     10 GiB and 10% of the data directory's disk
 * @param portMapping whether the listening port is mapped on the home router (UPnP IGD, NAT-PMP);
 *     even with {@link PortMapping#AUTO} only while uploads are allowed (consent given)
 * @param holePunch whether the engine takes part in hole punching (BEP 55) for peers it cannot
 *     dial, and asks for it
 * @param utp whether the engine speaks uTP with LEDBAT beside TCP (off by default: swarm/README.md,
 *     "uTP")
 */
public record AgentConfig(
    Path dataDir,
    URI controlPlaneUrl,
    int localApiPort,
    ZoneId zone,
    BandwidthSettings defaultLimits,
    int maxRequestBodyBytes,
    Path powerSupplyRoot,
    Duration tickInterval,
    long cacheLimitBytes,
    PortMapping portMapping,
    boolean holePunch,
    boolean utp) {

  /** {@code --port-mapping}: off, or auto (map while the player's upload consent allows). */
  public enum PortMapping {
    OFF,
    AUTO;

    /** The CLI's spelling: "off" or "auto". */
    public static PortMapping parse(String text) {
      return switch (text) {
        case "off" -> OFF;
        case "auto" -> AUTO;
        default -> throw new IllegalArgumentException("port mapping must be off or auto: " + text);
      };
    }
  }

  /** Reserved .invalid name: nothing is contacted until enrolment configures a real URL. */
  public static final URI UNCONFIGURED_CONTROL_PLANE = URI.create("https://control-plane.invalid/");

  public AgentConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(controlPlaneUrl, "controlPlaneUrl");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(defaultLimits, "defaultLimits");
    Objects.requireNonNull(powerSupplyRoot, "powerSupplyRoot");
    Objects.requireNonNull(tickInterval, "tickInterval");
    Objects.requireNonNull(portMapping, "portMapping");
    ControlPlane.requireSafeUrl(controlPlaneUrl);
    if (localApiPort < 0 || localApiPort > 65535) {
      throw new IllegalArgumentException("localApiPort must be 0..65535, got " + localApiPort);
    }
    if (maxRequestBodyBytes < 1024 || maxRequestBodyBytes > 1024 * 1024) {
      throw new IllegalArgumentException("maxRequestBodyBytes must be 1 KiB..1 MiB");
    }
    if (cacheLimitBytes < 0) {
      throw new IllegalArgumentException("cacheLimitBytes must be >= 0");
    }
    if (tickInterval.isNegative() || tickInterval.isZero() || tickInterval.toSeconds() > 60) {
      throw new IllegalArgumentException("tickInterval must be in (0, 60 s]");
    }
  }

  /** The defaults, as a builder: set what differs, then {@link Builder#build()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts from the defaults; {@link #build()} validates (IllegalArgumentException). */
  public static final class Builder {
    private Path dataDir = defaultDataDir();
    private URI controlPlaneUrl = UNCONFIGURED_CONTROL_PLANE;
    private int localApiPort;
    private ZoneId zone = ZoneId.systemDefault();
    private BandwidthSettings defaultLimits = BandwidthSettings.DEFAULTS;
    private int maxRequestBodyBytes = 64 * 1024;
    private Path powerSupplyRoot = PowerProbe.LINUX_POWER_SUPPLY;
    private Duration tickInterval = Duration.ofSeconds(5);
    private long cacheLimitBytes;
    private PortMapping portMapping = PortMapping.AUTO;
    private boolean holePunch = true;
    private boolean utp;

    private Builder() {}

    public Builder portMapping(PortMapping mapping) {
      this.portMapping = mapping;
      return this;
    }

    public Builder utp(boolean on) {
      this.utp = on;
      return this;
    }

    public Builder holePunch(boolean on) {
      this.holePunch = on;
      return this;
    }

    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    public Builder controlPlaneUrl(URI url) {
      this.controlPlaneUrl = url;
      return this;
    }

    public Builder localApiPort(int port) {
      this.localApiPort = port;
      return this;
    }

    public Builder zone(ZoneId z) {
      this.zone = z;
      return this;
    }

    public Builder defaultLimits(BandwidthSettings limits) {
      this.defaultLimits = limits;
      return this;
    }

    public Builder maxRequestBodyBytes(int bytes) {
      this.maxRequestBodyBytes = bytes;
      return this;
    }

    public Builder powerSupplyRoot(Path root) {
      this.powerSupplyRoot = root;
      return this;
    }

    public Builder tickInterval(Duration tick) {
      this.tickInterval = tick;
      return this;
    }

    public Builder cacheLimitBytes(long bytes) {
      this.cacheLimitBytes = bytes;
      return this;
    }

    public AgentConfig build() {
      return new AgentConfig(
          dataDir,
          controlPlaneUrl,
          localApiPort,
          zone,
          defaultLimits,
          maxRequestBodyBytes,
          powerSupplyRoot,
          tickInterval,
          cacheLimitBytes,
          portMapping,
          holePunch,
          utp);
    }
  }

  /**
   * Per-user data location: {@code %LOCALAPPDATA%\Shoal} on Windows, {@code ~/Library/Application
   * Support/Shoal} on macOS, {@code $XDG_DATA_HOME/shoal} or {@code ~/.local/share/shoal}
   * elsewhere.
   */
  public static Path defaultDataDir() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String home = System.getProperty("user.home");
    if (os.contains("win")) {
      String local = System.getenv("LOCALAPPDATA");
      return Path.of(local != null ? local : home, "Shoal");
    }
    if (os.contains("mac")) {
      return Path.of(home, "Library", "Application Support", "Shoal");
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    return xdg != null && !xdg.isBlank()
        ? Path.of(xdg, "shoal")
        : Path.of(home, ".local", "share", "shoal");
  }
}
