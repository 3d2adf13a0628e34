package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The edge agent's systemd user unit. */
class SystemdUnitTest {

  private static final String UNIT = "agent/shoal-agent.service";
  private static final String INSTALLED_JAVA = "%h/.local/opt/shoal-agent/lib/runtime/bin/java";

  /**
   * systemd-analyze --user verify, offline: a user manager needs XDG_RUNTIME_DIR (any private
   * directory will do, no session bus is contacted), and verify checks that ExecStart's program
   * exists, so a copy of the unit points it at this JVM instead of the not-installed app image.
   * Returns everything systemd-analyze printed: warnings included, so unknown keys count as errors.
   */
  static Deploy.Result verify(Path work, String unitText) throws IOException {
    String systemdAnalyze = Deploy.tool("systemd-analyze", "systemd");
    Path runtime = Files.createDirectories(work.resolve("runtime"));
    Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
    Path copy = work.resolve("shoal-agent.service");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(copy, unitText.replace(INSTALLED_JAVA, java));
    return Deploy.run(
        work,
        Map.of("XDG_RUNTIME_DIR", runtime.toString(), "SYSTEMD_LOG_LEVEL", "notice"),
        systemdAnalyze,
        "--user",
        "verify",
        "--man=no",
        copy.toString());
  }

  @Test
  void systemdAnalyzeVerifiesItAsAUserUnit(@TempDir Path work) throws IOException {
    String unit = Deploy.read(UNIT);
    assertThat(unit).contains("ExecStart=" + INSTALLED_JAVA);
    Deploy.Result result = verify(work, unit);
    assertThat(result.output()).as("systemd-analyze output").isBlank();
    assertThat(result.exitCode()).isZero();
  }

  /** The check above would catch a typo: systemd only warns about unknown keys. */
  @Test
  void theVerificationCatchesAnUnknownDirective(@TempDir Path work) throws IOException {
    Deploy.Result result = verify(work, Deploy.read(UNIT).replace("CPUWeight=", "CPUWieght="));
    assertThat(result.output()).contains("Unknown key").contains("CPUWieght");
  }

  @Test
  void runsAsALowPriorityHardenedGuest() {
    String unit = Deploy.read(UNIT);
    assertThat(unit.lines().map(String::strip))
        .contains(
            "Nice=10",
            "CPUSchedulingPolicy=idle",
            "IOSchedulingClass=idle",
            "Restart=on-failure",
            "NoNewPrivileges=yes",
            "PrivateTmp=yes",
            "PrivateUsers=yes",
            "ProtectSystem=strict",
            "ProtectHome=read-only",
            "ReadWritePaths=%h/.local/share/shoal",
            "ReadWritePaths=-%h/Games",
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "LockPersonality=yes",
            "MemoryMax=256M",
            "WantedBy=default.target");
    // The JIT needs W+X memory: this one must stay off.
    assertThat(unit.lines().map(String::strip))
        .noneMatch(l -> l.startsWith("MemoryDenyWriteExecute=yes"));
    // The light-agent JVM flags (idle RSS in docs/benchmarks.md).
    assertThat(unit).contains("-Xmx32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k");
    for (String flag : LIGHT_FLAGS) {
      assertThat(unit).contains(flag);
    }
    assertThat(unit).contains("dev.shoal.agent.cli.ShoalAgent run");
    // A user unit must not name a user or system-only targets.
    assertThat(unit).doesNotContain("User=").doesNotContain("multi-user.target");
  }

  /** Flags that keep the idle agent small: heap that starts small and shrinks, one C1 thread. */
  static final String[] LIGHT_FLAGS = {
    "-Xms8m",
    "-XX:MinHeapFreeRatio=10",
    "-XX:MaxHeapFreeRatio=30",
    "-XX:ReservedCodeCacheSize=12m",
    "-XX:CICompilerCount=1",
    "-XX:-UsePerfData"
  };

  @Test
  void theRuntimeScriptBakesTheSameFlagsIntoTheLauncher() {
    String script = Deploy.read("agent/build-runtime.sh");
    for (String flag :
        new String[] {"-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"}) {
      assertThat(script).contains("--java-options '" + flag + "'");
    }
    for (String flag : LIGHT_FLAGS) {
      assertThat(script).contains("--java-options '" + flag + "'");
    }
    assertThat(script)
        .contains("--print-module-deps")
        .contains("--strip-debug")
        .contains("--type app-image");
  }

  /** bash parses the runtime script, and would refuse a broken copy (so the check can fail). */
  @Test
  void theRuntimeScriptParses(@TempDir Path work) throws IOException {
    String bash = Deploy.tool("bash", "bash");
    Deploy.Result result = Deploy.run(Deploy.dir(), bash, "-n", "agent/build-runtime.sh");
    assertThat(result.output()).isBlank();
    assertThat(result.exitCode()).isZero();
    Path broken = work.resolve("broken.sh");
    Files.writeString(broken, Deploy.read("agent/build-runtime.sh").replaceFirst("\\bfi\\b", ""));
    assertThat(Deploy.run(work, bash, "-n", broken.toString()).exitCode()).isNotZero();
  }
}
