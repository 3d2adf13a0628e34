package dev.shoal.controlplane.origin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.springframework.stereotype.Component;

/**
 * Pack bytes the origin sent, per info hash, since the last {@link #drain()}: HTTP range responses
 * (counted by {@link OriginEgress}) and the BitTorrent seeder's uploads (read from its engine's
 * per-torrent counters). The swarm-health sampler drains it into the database.
 */
@Component
public class OriginTraffic {

  /** Bytes sent for one pack since the previous drain. */
  public record Egress(long httpBytes, long seederBytes) {
    public long total() {
      return httpBytes + seederBytes;
    }
  }

  private final Map<String, LongAdder> http = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> seeded = new ConcurrentHashMap<>();
  private final Map<String, Long> seededBefore = new HashMap<>();
  private final Counter seederEgress;
  private volatile Counter totalEgress;

  OriginTraffic(MeterRegistry meters) {
    this.seederEgress =
        Counter.builder("shoal.origin.seeder.egress")
            .baseUnit("bytes")
            .description("Pack bytes uploaded over BitTorrent by the origin seeder")
            .register(meters);
  }

  /** The origin's total egress counter, which the seeder's bytes are added to at each drain. */
  void countSeederBytesInto(Counter total) {
    this.totalEgress = total;
  }

  void served(String infoHash, long bytes) {
    http.computeIfAbsent(infoHash, k -> new LongAdder()).add(bytes);
  }

  /** The seeder seeds this pack; {@code uploaded} is its running total of bytes sent. */
  void seeding(String infoHash, LongSupplier uploaded) {
    seeded.put(infoHash, uploaded);
  }

  /** What was sent since the previous call, per info hash; packs with nothing sent are left out. */
  public synchronized Map<String, Egress> drain() {
    Map<String, Long> httpBytes = new HashMap<>();
    http.forEach(
        (hash, adder) -> {
          long n = adder.sumThenReset();
          if (n > 0) {
            httpBytes.put(hash, n);
          }
        });
    Map<String, Long> seederBytes = new HashMap<>();
    seeded.forEach(
        (hash, uploaded) -> {
          long now = uploaded.getAsLong();
          long before = seededBefore.getOrDefault(hash, 0L);
          seededBefore.put(hash, now);
          if (now > before) {
            seederBytes.put(hash, now - before);
            seederEgress.increment(now - before);
            Counter total = totalEgress;
            if (total != null) {
              total.increment(now - before);
            }
          }
        });
    Map<String, Egress> out = new HashMap<>();
    httpBytes.forEach((hash, n) -> out.put(hash, new Egress(n, 0)));
    seederBytes.forEach(
        (hash, n) -> out.merge(hash, new Egress(0, n), (a, b) -> new Egress(a.httpBytes(), n)));
    return out;
  }
}
