package dev.shoal.testkit.bench;

import dev.shoal.testkit.ApiClient;
import dev.shoal.testkit.ControlPlaneFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * What the benchmarks share: builds written to disk (never held in memory: the test JVM has 1 GiB
 * of heap), uploads streamed from those files through the real API, releases awaited by polling,
 * and the machine's load average to print next to the figures.
 */
final class Bench {
  static final int MIB = 1 << 20;

  private Bench() {}

  /** The bootstrap admin of a fixture, with a product and a channel made for the benchmark. */
  record Publisher(ControlPlaneFixture cp, ApiClient admin, String apiKey) {
    static Publisher of(ControlPlaneFixture cp, String product, String channel) {
      ApiClient admin = cp.admin();
      admin.post("/api/v1/products", Map.of("slug", product, "name", product)).assertSuccess();
      admin
          .post("/api/v1/products/" + product + "/channels", Map.of("name", channel))
          .assertSuccess();
      return new Publisher(cp, admin, cp.adminApiKey());
    }

    /** Uploads every regular file under {@code dir} (streamed from disk); returns the upload id. */
    String upload(String product, Path dir) throws IOException {
      String id =
          admin
              .post("/api/v1/products/" + product + "/uploads", Map.of())
              .assertSuccess()
              .json()
              .get("id")
              .asString();
      for (Path file : files(dir)) {
        String path = dir.relativize(file).toString().replace('\\', '/');
        long size = Files.size(file);
        HttpRequest request =
            HttpRequest.newBuilder(
                    URI.create(
                        cp.baseUrl()
                            + "/api/v1/uploads/"
                            + id
                            + "/files?path="
                            + URLEncoder.encode(path, StandardCharsets.UTF_8)))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "bytes 0-" + (size - 1) + "/" + size)
                .PUT(HttpRequest.BodyPublishers.ofFile(file))
                .build();
        admin.send(request).assertSuccess();
      }
      admin.post("/api/v1/uploads/" + id + "/complete", Map.of()).assertSuccess();
      return id;
    }

    /** Asks for a release of an upload (the pipeline starts); returns the release id. */
    String requestRelease(String product, String channel, String uploadId, String version) {
      return admin
          .post(
              "/api/v1/products/" + product + "/channels/" + channel + "/releases",
              Map.of("uploadId", uploadId, "displayVersion", version))
          .assertSuccess()
          .json()
          .get("id")
          .asString();
    }

    /** Polls every {@code pollMillis} until READY or FAILED (an AssertionError); returns it. */
    JsonNode awaitReady(String releaseId, Duration timeout, long pollMillis)
        throws InterruptedException {
      return awaitReady(releaseId, timeout, pollMillis, new java.util.LinkedHashMap<>());
    }

    /** The same, noting in {@code firstSeen} when (System.nanoTime) each state was first seen. */
    JsonNode awaitReady(
        String releaseId, Duration timeout, long pollMillis, Map<String, Long> firstSeen)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        JsonNode r = admin.get("/api/v1/releases/" + releaseId).assertSuccess().json();
        String state = r.get("state").asString();
        firstSeen.putIfAbsent(state, System.nanoTime());
        if (state.equals("READY")) {
          return r;
        }
        if (state.equals("FAILED")) {
          throw new AssertionError("release failed: " + r);
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("release not READY after " + timeout + ": " + r);
        }
        Thread.sleep(pollMillis);
      }
    }

    void publish(String releaseId) {
      admin
          .post("/api/v1/releases/" + releaseId + "/publish", Map.of("rollout", 100))
          .assertSuccess();
    }
  }

  /** Regular files under {@code dir}, sorted. */
  static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** Writes {@code size} pseudo-random bytes (seeded) to {@code file}, 1 MiB at a time. */
  static void writeRandom(Path file, long size, long seed) throws IOException {
    Files.createDirectories(file.getParent());
    SplittableRandom random = new SplittableRandom(seed);
    ByteBuffer buffer = ByteBuffer.allocate(MIB);
    try (FileChannel out =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      long left = size;
      while (left > 0) {
        buffer.clear();
        int n = (int) Math.min(MIB, left);
        fill(buffer, n, random);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        left -= n;
      }
    }
  }

  /** Overwrites {@code length} bytes of {@code file} at {@code offset} with new random bytes. */
  static void overwriteRandom(Path file, long offset, long length, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    ByteBuffer buffer = ByteBuffer.allocate(MIB);
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
      long at = offset;
      long left = length;
      while (left > 0) {
        buffer.clear();
        int n = (int) Math.min(MIB, left);
        fill(buffer, n, random);
        while (buffer.hasRemaining()) {
          at += out.write(buffer, at);
        }
        left -= n;
      }
    }
  }

  private static void fill(ByteBuffer buffer, int n, SplittableRandom random) {
    int longs = n / Long.BYTES;
    for (int i = 0; i < longs; i++) {
      buffer.putLong(random.nextLong());
    }
    while (buffer.position() < n) {
      buffer.put((byte) random.nextInt());
    }
    buffer.flip();
  }

  /** The 1, 5 and 15 minute load averages, as {@code /proc/loadavg} gives them. */
  static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + "/" + f[1] + "/" + f[2];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The current 1 minute load average. */
  static String load1() {
    return load().split("/")[0];
  }
}
