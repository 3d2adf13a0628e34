package dev.shoal.protocol.chunking;

import dev.shoal.protocol.Hex;
import dev.shoal.protocol.crypto.ChunkCipher;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;

/**
 * Throughput of the publish hot path on one core: chunk boundaries only, chunking plus SHA-256 ids,
 * and AES-GCM chunk encryption. Not a test; run it by hand (see protocol/README.md).
 */
public final class ChunkingBenchmark {
  private ChunkingBenchmark() {}

  public static void main(String[] args) throws IOException {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    byte[] data = new byte[mib << 20];
    new Random(1).nextBytes(data);
    for (int round = 0; round < 6; round++) {
      report("cut only", data.length, () -> cutOnly(data));
      report("cut + SHA-256 ids", data.length, () -> scan(data));
      report("AES-256-GCM encrypt", data.length, () -> encrypt(data));
      System.out.println();
    }
  }

  private static long cutOnly(byte[] data) throws IOException {
    ChunkReader reader = new ChunkReader(new ByteArrayInputStream(data));
    long n = 0;
    while (reader.next()) {
      n++;
    }
    return n;
  }

  private static long scan(byte[] data) throws IOException {
    return ChunkScanner.scan(new ByteArrayInputStream(data)).chunks().size();
  }

  private static long encrypt(byte[] data) {
    ChunkCipher cipher = new ChunkCipher(new byte[32]);
    byte[] id = Hex.decode("00".repeat(32));
    int chunk = 1 << 20;
    long sum = 0;
    for (int off = 0; off + chunk <= data.length; off += chunk) {
      id[0] = (byte) off;
      id[1] = (byte) (off >> 8);
      id[2] = (byte) (off >> 16);
      sum += cipher.encrypt(id, data, off, chunk).length;
    }
    return sum;
  }

  private interface Work {
    long run() throws IOException;
  }

  private static void report(String name, long bytes, Work work) throws IOException {
    long start = System.nanoTime();
    long result = work.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("%-22s %8.0f MB/s  (%d)%n", name, bytes / 1e6 / seconds, result);
  }
}
