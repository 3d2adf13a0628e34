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
  private static final String INSTALLED_CLASS_DATA =
      "%h/.local/opt/shoal-agent/lib/app/class-data.sh";
  private static final String ARCHIVE = "%h/.local/share/shoal/class-data.jsa";

  /**
   * systemd-analyze --user verify, offline: a user manager needs XDG_RUNTIME_DIR (any private
   * directory will do, no session bus is contacted), and verify checks that ExecStart's program
   * exists, so a copy of the unit points it at this JVM and at the repository's class-data.sh
   * instead of the not-installed app image. Returns everything systemd-analyze printed: warnings
   * included, so unknown keys count as errors.
   */
  static Deploy.Result verify(Path work, String unitText) throws IOException {
    String systemdAnalyze = Deploy.tool("systemd-analyze", "systemd");
    Path runtime = Files.createDirectories(work.resolve("runtime"));
    Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
    Path copy = work.resolve("shoal-agent.service");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(
        copy,
        unitText
            .replace(INSTALLED_JAVA, java)
            .replace(INSTALLED_CLASS_DATA, Deploy.file("agent/class-data.sh").toString()));
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
    assertThat(unit).contains("-Xmx32m -XX:+UseSerialGC -XX:-TieredCompilation -Xss512k");
    assertThat(unit).contains("-XX:TrimNativeHeapInterval=5000");
    assertThat(unit).contains("-XX:CompileCommand=quiet " + CRYPTO_COMPILE);
    for (String flag : LIGHT_FLAGS) {
      assertThat(unit).contains(flag);
    }
    assertThat(unit).contains("dev.shoal.agent.cli.ShoalAgent run");
    // A user unit must not name a user or system-only targets.
    assertThat(unit).doesNotContain("User=").doesNotContain("multi-user.target");
  }

  /**
   * The class-data archive is made (before start, failures ignored) where the JVM then reads it,
   * for the class path that ExecStart uses: class-data.sh's, relative to the image.
   */
  @Test
  void makesAndUsesTheClassDataArchiveForExecStartsClassPath() {
    String unit = Deploy.read(UNIT);
    assertThat(unit.lines().map(String::strip))
        .contains("ExecStartPre=-" + INSTALLED_CLASS_DATA + " " + ARCHIVE);
    assertThat(unit).contains("-XX:SharedArchiveFile=" + ARCHIVE + " ");
    assertThat(unit)
        .contains(
            "-cp \"%h/.local/opt/shoal-agent/lib/app/*:%h/.local/opt/shoal-agent/lib/app/lib/*\"");
    String script = Deploy.read("agent/class-data.sh");
    assertThat(script)
        .contains("app=\"$(cd \"$(dirname \"$0\")\" && pwd)\"")
        .contains("classpath=\"$app/*:$app/lib/*\"")
        .contains("main=dev.shoal.agent.cli.ShoalAgent");
    // Made after the data directory exists, which the mkdir line before it ensures.
    assertThat(unit.indexOf("ExecStartPre=+/usr/bin/mkdir"))
        .isLessThan(unit.indexOf("ExecStartPre=-" + INSTALLED_CLASS_DATA));
    // build-runtime.sh ships the script and the class list in lib/app.
    assertThat(Deploy.read("agent/build-runtime.sh"))
        .contains("cp deploy/agent/class-data.sh \"$input/\"")
        .contains("-XX:DumpLoadedClassList=\"$input/shoal-agent.classlist\"");
  }

  /**
   * Flags that keep the idle agent small: heap that starts small and shrinks, one compiler thread.
   */
  static final String[] LIGHT_FLAGS = {
    "-Xms8m",
    "-XX:MinHeapFreeRatio=10",
    "-XX:MaxHeapFreeRatio=30",
    "-XX:ReservedCodeCacheSize=16m",
    "-XX:CICompilerCount=1",
    "-XX:-UsePerfData"
  };

  /**
   * Compiles the JDK cipher provider's methods after 100 calls instead of 10,000: GCM's callers of
   * the AES-CTR and GHASH intrinsics are called about once per MiB, so without it an install
   * decrypts in interpreted Java (docs/benchmarks.md, edge agent).
   */
  static final String CRYPTO_COMPILE =
      "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.01";

  @Test
  void theRuntimeScriptBakesTheSameFlagsIntoTheLauncher() {
    String script = Deploy.read("agent/build-runtime.sh");
    for (String flag : new String[] {"-Xmx32m", "-XX:+UseSerialGC", "-Xss512k"}) {
      assertThat(script).contains("--java-options '" + flag + "'");
    }
    for (String flag : LIGHT_FLAGS) {
      if (!flag.equals("-XX:CICompilerCount=1")) {
        assertThat(script).contains("--java-options '" + flag + "'");
      }
    }
    // The CLI keeps tiered compilation (C1 at once for short commands; tiered needs 2 threads).
    assertThat(script)
        .doesNotContain("--java-options '-XX:-TieredCompilation'")
        .doesNotContain("--java-options '-XX:CICompilerCount=1'");
    // On Linux the launcher is a script with the CLI's class-data archive, made for the image.
    assertThat(script)
        .contains("-XX:SharedArchiveFile=\"\\$app/cli.jsa\" -Xshare:auto")
        .contains("\"$dist/shoal-agent/lib/app/class-data.sh\" --launcher");
    // "quiet" first, or the JVM prints the command on stdout, into the CLI's --json output.
    assertThat(script)
        .contains(
            "--java-options '-XX:CompileCommand=quiet' \\\n  --java-options '"
                + CRYPTO_COMPILE
                + "'");
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
