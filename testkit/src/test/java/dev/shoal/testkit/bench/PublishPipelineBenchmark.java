package dev.shoal.testkit.bench;

import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Publish pipeline throughput through the control plane's real API: a 1 GiB build (16 files of 64
 * MiB of random bytes, written to disk and streamed up), then the time from the release request to
 * READY (one read of the build on two threads: chunking with SHA-256 chunk and file hashes on one,
 * AES-256-GCM into the full pack with SHA-1 and SHA-256 piece hashes on the other; then torrent,
 * delta pack with patches, signed manifest, database rows). The cold release is the first; the warm
 * one changes 5 % of it (three 16 MiB regions and 48 scattered 64 KiB overwrites), so it also
 * builds a delta pack with byte-level patches. Baseline in the same run, same bytes, one thread:
 * SHA-256, SHA-1 and AES-256-GCM (a fresh IV per 1 MiB buffer, as chunks are encrypted), timing
 * only the digest/cipher calls. Prints {@code key=value} figures on its last line; speeds are MB/s
 * of build bytes (10^6).
 */
@Tag("benchmark")
class PublishPipelineBenchmark {
  private static final int FILES = 16;
  private static final long FILE_SIZE = 64L * GameBuilds.MIB;
  private static final long BUILD = FILES * FILE_SIZE;

  @TempDir Path temp;

  @Test
  void publishesA1GibBuildAndComparesWithOneCoreHashAndCipher() throws Exception {
    Path build = GameBuilds.bigBuild(temp.resolve("build"), FILES, FILE_SIZE, 100);
    try (ControlPlaneFixture cp = new ControlPlaneFixture().start()) {
      Publisher publisher = cp.publisher().product("game", "live");
      long u0 = System.nanoTime();
      String upload = publisher.upload("game", build);
      double uploadSeconds = (System.nanoTime() - u0) / 1e9;

      // Cold: the first release in this JVM (the JIT has not compiled the GCM, SHA and FastCDC
      // loops yet, as after a control plane restart). Warm: the build with 5 % changed from its
      // predecessor (so its delta pack, with byte-level patches, is built too): three regions of
      // 16 MiB rewritten in place and 48 scattered 64 KiB overwrites (3 in each file).
      Run cold = run(publisher, upload, "1.0");
      // The predecessor as it was, for the serial reference.
      List<Path> coldFiles = copy(build, temp.resolve("cold"));
      long changed = 0;
      for (int f : new int[] {3, 7, 12}) {
        GameBuilds.overwriteRandom(
            build.resolve(part(f)), 20L * GameBuilds.MIB, 16L << 20, 900 + f);
        changed += 16L << 20;
      }
      for (int f = 0; f < FILES; f++) {
        for (int k = 0; k < 3; k++) {
          GameBuilds.overwriteRandom(
              build.resolve(part(f)),
              (5L + 20L * k) * GameBuilds.MIB + 4321,
              64 << 10,
              7000 + 3 * f + k);
          changed += 64 << 10;
        }
      }
      String upload2 = publisher.upload("game", build);
      Run warm = run(publisher, upload2, "1.1");
      System.out.printf(
          Locale.ROOT, "PublishPipelineBenchmark: warm release changes %d bytes%n", changed);

      List<Path> files = GameBuilds.regularFiles(build);
      warmUp(files.get(0));
      double sha256 = mbps(BUILD, digestNanos(files, "SHA-256"));
      double sha1 = mbps(BUILD, digestNanos(files, "SHA-1"));
      double aes = mbps(BUILD, aesGcmNanos(files));
      SerialPublish serial = new SerialPublish(coldFiles);
      serial.nanos(files); // JIT warm-up of FastCDC, the piece hasher and zstd
      SerialPublish.Nanos serialNanos = serial.nanos(files);
      double serialPublish = mbps(BUILD, serialNanos.total());
      // The same without the delta pack: the bound of chunking, hashing, encrypting and the
      // torrent.
      double serialNoDelta = mbps(BUILD, serialNanos.total() - serialNanos.delta());
      double pipeline = BUILD / warm.seconds() / 1e6;
      // One core doing three of the steps (one SHA-256 pass, SHA-1, AES-GCM) over the same bytes:
      // the figure of earlier runs, kept for comparison; serialPublish does every step.
      double hashCipherBound = 1 / (1 / sha256 + 1 / sha1 + 1 / aes);

      System.out.printf(
          Locale.ROOT,
          "PublishPipelineBenchmark: 1 GiB build uploaded in %.1f s (%.0f MB/s)%n  cold: %s%n"
              + "  warm: %s%n",
          uploadSeconds,
          BUILD / uploadSeconds / 1e6,
          cold,
          warm);
      System.out.printf(
          Locale.ROOT,
          "mode=api build_mib=%d cold_s=%.1f cold_mbps=%.1f warm_s=%.1f pipeline_mbps=%.1f"
              + " sha256_1core_mbps=%.0f sha1_1core_mbps=%.0f aesgcm_1core_mbps=%.0f"
              + " hash_cipher_1core_bound_mbps=%.0f ratio_vs_hash_cipher_bound=%.3f"
              + " serial_publish_1core_mbps=%.0f ratio_vs_serial_publish=%.3f"
              + " serial_no_delta_1core_mbps=%.0f ratio_vs_serial_no_delta=%.3f"
              + " cold_cpu_s=%.1f warm_cpu_s=%.1f"
              + " warm_mb_per_cpu_s=%.0f cores=%d warm_changed_pct=5.0 warm_delta_pack_bytes=%d"
              + " load1=%s%n",
          BUILD / GameBuilds.MIB,
          cold.seconds(),
          BUILD / cold.seconds() / 1e6,
          warm.seconds(),
          pipeline,
          sha256,
          sha1,
          aes,
          hashCipherBound,
          pipeline / hashCipherBound,
          serialPublish,
          pipeline / serialPublish,
          serialNoDelta,
          pipeline / serialNoDelta,
          cold.cpuSeconds(),
          warm.cpuSeconds(),
          BUILD / warm.cpuSeconds() / 1e6,
          Runtime.getRuntime().availableProcessors(),
          warm.deltaPack(),
          Bench.load1());
    }
  }

  /** Copies the build's files; returns the copies in the order of {@code regularFiles(build)}. */
  private static List<Path> copy(Path build, Path to) throws java.io.IOException {
    List<Path> out = new java.util.ArrayList<>();
    for (Path f : GameBuilds.regularFiles(build)) {
      Path c = to.resolve(build.relativize(f).toString());
      java.nio.file.Files.createDirectories(c.getParent());
      out.add(java.nio.file.Files.copy(f, c));
      // On disk before the warm release is timed: a gigabyte of dirty pages written back meanwhile
      // slowed the pipeline by a third.
      try (FileChannel written = FileChannel.open(c, java.nio.file.StandardOpenOption.WRITE)) {
        written.force(true);
      }
    }
    return out;
  }

  private static String part(int i) {
    return String.format(Locale.ROOT, "data/part-%02d.pak", i);
  }

  /** One release: seconds from the request to READY, and when each state was first seen. */
  record Run(
      double seconds,
      double cpuSeconds,
      String steps,
      long fullPack,
      long deltaPack,
      String loadBefore,
      String loadAfter) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "READY after %.1f s, %.1f s of this JVM's CPU (states first seen:%s), full pack %d"
              + " bytes, load before %s, after %s",
          seconds,
          cpuSeconds,
          steps,
          fullPack,
          loadBefore,
          loadAfter);
    }
  }

  private static Run run(Publisher publisher, String upload, String version)
      throws InterruptedException {
    String loadBefore = Bench.load();
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    String id = publisher.requestRelease("game", "live", upload, version);
    Map<String, Long> seen = new LinkedHashMap<>();
    JsonNode ready = publisher.awaitReady(id, Duration.ofMinutes(30), Duration.ofMillis(50), seen);
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpuSeconds = (processCpuNanos() - cpu0) / 1e9;
    // Seconds from the request until each state was first seen (polled every 50 ms).
    StringBuilder steps = new StringBuilder();
    seen.forEach(
        (state, at) ->
            steps.append(String.format(Locale.ROOT, " %s@%.1fs", state, (at - t0) / 1e9)));
    return new Run(
        seconds,
        cpuSeconds,
        steps.toString(),
        ready.get("fullPackBytes").asLong(),
        ready.get("deltaPackBytes").isNull() ? 0 : ready.get("deltaPackBytes").asLong(),
        loadBefore,
        Bench.load());
  }

  /**
   * CPU time of this JVM (the control plane runs in it; its PostgreSQL does not): with other work
   * on the machine, wall time stretches and CPU time much less.
   */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double mbps(long bytes, long nanos) {
    return bytes / (nanos / 1e9) / 1e6;
  }

  /** Lets C2 compile the digest and GCM intrinsics before anything is timed. */
  private static void warmUp(Path file) throws Exception {
    digestNanos(List.of(file), "SHA-256");
    digestNanos(List.of(file), "SHA-1");
    aesGcmNanos(List.of(file));
  }

  private interface Step {
    void apply(byte[] buf, int len) throws GeneralSecurityException;
  }

  /** Reads the files 1 MiB at a time; returns the nanoseconds spent in {@code step} only. */
  private static long timed(List<Path> files, Step step) throws Exception {
    byte[] buf = new byte[GameBuilds.MIB];
    ByteBuffer wrap = ByteBuffer.wrap(buf);
    long nanos = 0;
    for (Path file : files) {
      try (FileChannel in = FileChannel.open(file)) {
        while (true) {
          int n = fill(in, wrap);
          if (n == 0) {
            break;
          }
          long t = System.nanoTime();
          step.apply(buf, n);
          nanos += System.nanoTime() - t;
        }
      }
    }
    return nanos;
  }

  /** Reads until the buffer is full or the file ends; returns how many bytes it holds. */
  private static int fill(FileChannel in, ByteBuffer buffer) throws java.io.IOException {
    buffer.clear();
    while (buffer.hasRemaining()) {
      if (in.read(buffer) < 0) {
        break;
      }
    }
    return buffer.position();
  }

  private static long digestNanos(List<Path> files, String algorithm) throws Exception {
    MessageDigest md = MessageDigest.getInstance(algorithm);
    long nanos = timed(files, (buf, len) -> md.update(buf, 0, len));
    md.digest();
    return nanos;
  }

  private static long aesGcmNanos(List<Path> files) throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    SecretKeySpec spec = new SecretKeySpec(key, "AES");
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    byte[] out = new byte[GameBuilds.MIB + 16];
    byte[] iv = new byte[12];
    long[] counter = {0};
    long nanos =
        timed(
            files,
            (buf, len) -> {
              long c = ++counter[0];
              for (int i = 0; i < 8; i++) {
                iv[i] = (byte) (c >>> (8 * i));
              }
              cipher.init(Cipher.ENCRYPT_MODE, spec, new GCMParameterSpec(128, iv));
              cipher.doFinal(buf, 0, len, out, 0);
            });
    return nanos;
  }
}
