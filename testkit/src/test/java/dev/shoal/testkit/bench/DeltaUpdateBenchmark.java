package dev.shoal.testkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.chunking.ChunkRef;
import dev.shoal.protocol.chunking.ChunkScanner;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Delta updates on realistic edits, measured through the real control plane and agents, with the
 * usual delta tools as anchors on the same builds.
 *
 * <p>The build: {@code PAKS} paks of {@code PAK_MIB} MiB of random (incompressible) bytes, a small
 * config file and a small binary. Four releases, each edit in its own region so that the union of
 * the changes is their sum:
 *
 * <ul>
 *   <li>v2: scattered in-place overwrites of 4, 32 and 96 KiB in pak 0; a 64 KiB insertion at 3 MiB
 *       of pak 1 (shifts the rest); a new 512 KiB file; a 20-byte in-place edit of the config;
 *   <li>v3: a 48 KiB deletion at 1.5 MiB of pak 2 (shifts the rest); 200 KiB appended to pak 3; pak
 *       4 moved to another directory; the small binary deleted;
 *   <li>v4: five scattered overwrites of 4..64 KiB in pak 5; a 16 KiB insertion and an 8 KiB
 *       overwrite in pak 6; pak 0 truncated by 100 KiB.
 * </ul>
 *
 * Recompressed or re-encrypted assets (every byte changes) are out of scope. Bytes changed: bytes
 * overwritten plus bytes inserted plus new files' sizes; deletions, moves and truncations count
 * zero. One agent goes v1 → v3 → v4 (the v3 → v4 update is "one behind"), another v1 → v4 ("several
 * behind"). Target: fetched ≤ 1.2 × changed + 64 KiB per changed file.
 *
 * <p>Anchors on the same file pairs (a moved file paired with its old path; a new file costs its
 * size): {@code zstd --patch-from} (-19, --long=27), {@code xdelta3 -9}, {@code bsdiff}, {@code
 * rsync --only-write-batch} (checksum, no whole-file) and the chunk-level delta alone (chunks of
 * the new version missing from the old, encrypted sizes). A missing tool is reported as skipped.
 * Last line: {@code key=value}.
 */
@Tag("benchmark")
class DeltaUpdateBenchmark {
  private static final int KIB = 1 << 10;
  private static final int PAKS = Integer.getInteger("shoal.bench.deltaPaks", 8);
  private static final int PAK_MIB = Integer.getInteger("shoal.bench.pakMib", 8);
  private static final long ALLOWANCE_PER_FILE = 64 * KIB;
  private static final Duration TIMEOUT = Duration.ofMinutes(30);

  @TempDir Path temp;

  /** A build version in memory: path to bytes. */
  private static final class Build {
    final Map<String, byte[]> files = new TreeMap<>();
    long changed;
    final Set<String> changedFiles = new HashSet<>();

    Build copy() {
      Build b = new Build();
      b.files.putAll(files);
      return b;
    }

    void overwrite(String path, int at, int length, long seed) {
      byte[] data = files.get(path).clone();
      System.arraycopy(GameBuilds.bytes(seed, length), 0, data, at, length);
      files.put(path, data);
      count(path, length);
    }

    void insert(String path, int at, int length, long seed) {
      byte[] old = files.get(path);
      byte[] data = new byte[old.length + length];
      System.arraycopy(old, 0, data, 0, at);
      System.arraycopy(GameBuilds.bytes(seed, length), 0, data, at, length);
      System.arraycopy(old, at, data, at + length, old.length - at);
      files.put(path, data);
      count(path, length);
    }

    void delete(String path, int at, int length) {
      byte[] old = files.get(path);
      byte[] data = new byte[old.length - length];
      System.arraycopy(old, 0, data, 0, at);
      System.arraycopy(old, at + length, data, at, old.length - at - length);
      files.put(path, data);
      count(path, 0);
    }

    void add(String path, byte[] data) {
      files.put(path, data);
      count(path, data.length);
    }

    void move(String from, String to) {
      files.put(to, files.remove(from)); // counts zero, and is no changed file
    }

    private void count(String path, long bytes) {
      changed += bytes;
      changedFiles.add(path);
    }
  }

  private static String pak(int i) {
    return String.format(Locale.ROOT, "data/part-%02d.pak", i);
  }

  @Test
  void realisticEditsUpdateThroughPatchesOneAndSeveralReleasesBehind() throws Exception {
    Build v1 = new Build();
    for (int i = 0; i < PAKS; i++) {
      v1.files.put(pak(i), GameBuilds.bytes(100 + i, PAK_MIB << 20));
    }
    v1.files.put(
        "config/settings.ini",
        "[video]\nwidth=1920\nheight=1080\nvsync=1\n[audio]\nvolume=80\n"
            .repeat(20)
            .getBytes(StandardCharsets.US_ASCII));
    v1.files.put("bin/launcher.bin", GameBuilds.bytes(99, 300 * KIB));

    Build v2 = v1.copy();
    v2.overwrite(pak(0), 1 << 20, 4 * KIB, 201);
    v2.overwrite(pak(0), 3 << 20, 32 * KIB, 202);
    v2.overwrite(pak(0), (5 << 20) + 12_345, 96 * KIB, 203);
    v2.insert(pak(1), 3 << 20, 64 * KIB, 204);
    v2.add("data/dlc-1.pak", GameBuilds.bytes(205, 512 * KIB));
    v2.overwrite("config/settings.ini", 100, 20, 206);

    Build v3 = v2.copy();
    v3.delete(pak(2), (3 << 20) / 2, 48 * KIB);
    v3.insert(pak(3), v3.files.get(pak(3)).length, 200 * KIB, 301);
    v3.move(pak(4), "data/moved/part-04.pak");
    v3.files.remove("bin/launcher.bin");

    Build v4 = v3.copy();
    int[] sizes = {4, 16, 64, 8, 32};
    for (int i = 0; i < sizes.length; i++) {
      v4.overwrite(pak(5), (i * (PAK_MIB << 20)) / sizes.length + 7_777, sizes[i] * KIB, 401 + i);
    }
    v4.insert(pak(6), 6 << 20, 16 * KIB, 410);
    v4.overwrite(pak(6), 1 << 20, 8 * KIB, 411);
    byte[] p0 = v4.files.get(pak(0));
    v4.files.put(pak(0), java.util.Arrays.copyOf(p0, p0.length - 100 * KIB));
    v4.changedFiles.add(pak(0)); // truncated: 0 bytes changed, but a changed file

    long severalChanged = v2.changed + v3.changed + v4.changed;
    Set<String> severalFiles = new HashSet<>(v2.changedFiles);
    severalFiles.addAll(v3.changedFiles);
    severalFiles.addAll(v4.changedFiles);

    Path d1 = write("v1", v1);
    Path d3 = write("v3", v3);
    Path d4 = write("v4", v4);

    long oneFetched;
    long severalFetched;
    long deltaPackBytesV4;
    long fullPackV4;
    double publishV4Seconds;
    try (ControlPlaneFixture cp = new ControlPlaneFixture().start();
        AgentFixture behindOne = AgentFixture.start(temp.resolve("agent-a"), 4L << 30);
        AgentFixture behindThree = AgentFixture.start(temp.resolve("agent-b"), 4L << 30)) {
      Publisher publisher = cp.publisher().product("game", "live");
      release(publisher, d1, "1.0");
      for (AgentFixture agent : List.of(behindOne, behindThree)) {
        agent.enrol(cp, cp.organisation().slug());
        publisher
            .api()
            .post("/api/v1/products/game/entitlements", Map.of("deviceId", agent.deviceId()))
            .assertSuccess();
      }
      Path gameA = temp.resolve("games-a/game");
      Path gameB = temp.resolve("games-b/game");
      Files.createDirectories(gameA.getParent());
      Files.createDirectories(gameB.getParent());
      install(behindOne, gameA, 1);
      install(behindThree, gameB, 1);
      release(publisher, write("v2", v2), "1.1");
      release(publisher, d3, "1.2");
      install(behindOne, gameA, 3);
      long p0ns = System.nanoTime();
      JsonNode v4Ready = release(publisher, d4, "1.3");
      publishV4Seconds = (System.nanoTime() - p0ns) / 1e9;
      deltaPackBytesV4 = v4Ready.get("deltaPackBytes").asLong();
      fullPackV4 = v4Ready.get("fullPackBytes").asLong();
      oneFetched = fetched(install(behindOne, gameA, 4));
      severalFetched = fetched(install(behindThree, gameB, 4));
      assertThat(digests(gameA)).isEqualTo(digests(d4));
      assertThat(digests(gameB)).isEqualTo(digests(d4));
    }

    Map<String, String> out = new LinkedHashMap<>();
    out.put("build_mib", String.valueOf(PAKS * PAK_MIB));
    figures(out, "one", v3, v4, d3, d4, v4.changed, v4.changedFiles.size(), oneFetched);
    figures(out, "several", v1, v4, d1, d4, severalChanged, severalFiles.size(), severalFetched);
    out.put("api_delta_pack_bytes", String.valueOf(deltaPackBytesV4));
    out.put("full_pack_bytes", String.valueOf(fullPackV4));
    out.put("publish_v4_s", String.format(Locale.ROOT, "%.1f", publishV4Seconds));
    out.put("load1", Bench.load1());
    System.out.println("DeltaUpdateBenchmark: load " + Bench.load());
    StringBuilder line = new StringBuilder();
    out.forEach(
        (k, v) -> line.append(line.length() == 0 ? "" : " ").append(k).append('=').append(v));
    System.out.println(line);
  }

  private void figures(
      Map<String, String> out,
      String key,
      Build from,
      Build to,
      Path fromDir,
      Path toDir,
      long changed,
      int changedFiles,
      long fetched)
      throws Exception {
    long allowance = (long) (1.2 * changed) + ALLOWANCE_PER_FILE * changedFiles;
    out.put(key + "_changed_bytes", String.valueOf(changed));
    out.put(key + "_changed_files", String.valueOf(changedFiles));
    out.put(key + "_fetched_bytes", String.valueOf(fetched));
    out.put(key + "_fetched_over_changed", ratio(fetched, changed));
    out.put(key + "_target_bytes", String.valueOf(allowance));
    out.put(key + "_target_met", String.valueOf(fetched <= allowance));
    out.put(key + "_chunks_only_bytes", String.valueOf(chunksOnly(from, to)));
    out.put(key + "_chunks_only_over_changed", ratio(chunksOnly(from, to), changed));
    for (String tool : List.of("zstd", "xdelta3", "bsdiff", "rsync")) {
      Long bytes = anchor(tool, from, to, fromDir, toDir);
      out.put(key + "_" + tool + "_bytes", bytes == null ? "skipped" : String.valueOf(bytes));
      out.put(
          key + "_" + tool + "_over_changed", bytes == null ? "skipped" : ratio(bytes, changed));
    }
  }

  private static String ratio(long a, long b) {
    return String.format(Locale.ROOT, "%.3f", (double) a / b);
  }

  private static long fetched(JsonNode status) {
    return status.get("bytesFromPeers").asLong() + status.get("bytesFromOrigin").asLong();
  }

  private static JsonNode install(AgentFixture agent, Path dir, long version) {
    JsonNode s = agent.awaitInstall(agent.install("game", "live", dir), TIMEOUT);
    assertThat(s.get("state").asString()).as(s.toString()).isEqualTo("COMPLETED");
    assertThat(s.get("installedVersion").asLong()).isEqualTo(version);
    return s;
  }

  private Path write(String name, Build b) {
    return GameBuilds.write(temp.resolve("builds").resolve(name), b.files);
  }

  private static JsonNode release(Publisher publisher, Path build, String version)
      throws Exception {
    String upload = publisher.upload("game", build);
    String id = publisher.requestRelease("game", "live", upload, version);
    JsonNode ready = publisher.awaitReady(id, TIMEOUT, Duration.ofMillis(200), new HashMap<>());
    publisher.publish(id, 100);
    return ready;
  }

  /** Chunks of {@code to} missing from {@code from}: their encrypted sizes. */
  private static long chunksOnly(Build from, Build to) throws IOException {
    Set<String> have = new HashSet<>();
    for (byte[] data : from.files.values()) {
      for (ChunkRef r : ChunkScanner.scan(new ByteArrayInputStream(data)).chunks()) {
        have.add(r.id());
      }
    }
    long bytes = 0;
    for (byte[] data : to.files.values()) {
      for (ChunkRef r : ChunkScanner.scan(new ByteArrayInputStream(data)).chunks()) {
        if (have.add(r.id())) {
          bytes += r.size() + 16;
        }
      }
    }
    return bytes;
  }

  /**
   * Sum of the tool's patches over changed file pairs (a moved file is paired with its old path, a
   * new file costs its size); rsync: the size of one batch for the whole tree. Null if the tool is
   * not installed.
   */
  private Long anchor(String tool, Build from, Build to, Path fromDir, Path toDir)
      throws Exception {
    if (!onPath(tool)) {
      System.out.println("DeltaUpdateBenchmark: " + tool + " not installed, anchor skipped");
      return null;
    }
    Path work = Files.createTempDirectory(temp, tool);
    if (tool.equals("rsync")) {
      Path batch = work.resolve("batch");
      run(
          "rsync",
          "-r",
          "--checksum",
          "--no-whole-file",
          "--only-write-batch=" + batch,
          toDir + "/",
          fromDir + "/");
      return Files.size(batch);
    }
    Map<String, String> oldByDigest = new HashMap<>();
    for (Map.Entry<String, byte[]> e : from.files.entrySet()) {
      oldByDigest.put(sha256(e.getValue()), e.getKey());
    }
    long total = 0;
    for (Map.Entry<String, byte[]> e : to.files.entrySet()) {
      byte[] now = e.getValue();
      byte[] old = from.files.get(e.getKey());
      if (old == null && oldByDigest.containsKey(sha256(now))) {
        continue; // moved
      }
      if (old == null) {
        total += now.length;
        continue;
      }
      if (java.util.Arrays.equals(old, now)) {
        continue;
      }
      Path oldFile = fromDir.resolve(e.getKey());
      Path newFile = toDir.resolve(e.getKey());
      Path patch = work.resolve("patch");
      Files.deleteIfExists(patch);
      switch (tool) {
        case "zstd" ->
            run(
                "zstd",
                "-q",
                "-19",
                "--long=27",
                "--patch-from=" + oldFile,
                newFile.toString(),
                "-o",
                patch.toString());
        case "xdelta3" ->
            run(
                "xdelta3",
                "-e",
                "-9",
                "-B",
                String.valueOf(1 << 27),
                "-s",
                oldFile.toString(),
                newFile.toString(),
                patch.toString());
        case "bsdiff" -> run("bsdiff", oldFile.toString(), newFile.toString(), patch.toString());
        default -> throw new IllegalArgumentException(tool);
      }
      total += Files.size(patch);
    }
    return total;
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException(
          String.join(" ", command) + " failed: " + new String(output, StandardCharsets.UTF_8));
    }
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  private static Map<String, String> digests(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (Path file : GameBuilds.regularFiles(dir)) {
      out.put(dir.relativize(file).toString().replace('\\', '/'), sha256(Files.readAllBytes(file)));
    }
    return out;
  }
}
