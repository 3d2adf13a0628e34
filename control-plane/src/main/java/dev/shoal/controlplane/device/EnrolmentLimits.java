package dev.shoal.controlplane.device;

import dev.shoal.controlplane.config.Cidr;
import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.refusal.Refusal;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * How many enrolments one source address may make into one organisation: a token bucket per pair
 * ({@code shoal.device.enrolment-limit} at once, refilled over {@code enrolment-window}), so that
 * nobody fills an organisation's device list with made-up devices. IPv6 sources count per /64 (one
 * home's prefix). The source is the client behind trusted proxies. Many players behind one
 * carrier-grade NAT share an address: the default is generous, and the limit is configurable (0:
 * off). Each node counts for itself.
 */
@Component
class EnrolmentLimits {

  private static final int MAX_SOURCES = 100_000;

  private final int limit;
  private final long windowNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  @Autowired
  EnrolmentLimits(ShoalProperties properties) {
    this(
        properties.device().enrolmentLimit(),
        properties.device().enrolmentWindow(),
        System::nanoTime);
  }

  EnrolmentLimits(int limit, Duration window, LongSupplier nanoTime) {
    this.limit = limit;
    this.windowNanos = window.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Takes one enrolment from the pair's budget, or refuses with how long to wait. */
  void take(String sourceAddress, String organisation) {
    if (limit == 0) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (buckets.size() > MAX_SOURCES) {
      buckets.values().removeIf(b -> b.isFull(now));
    }
    String key = organisation + " " + source(sourceAddress);
    long waitNanos = buckets.computeIfAbsent(key, k -> new Bucket(now)).take(now);
    if (waitNanos > 0) {
      long seconds = Math.max(1, (waitNanos + 999_999_999) / 1_000_000_000);
      throw Refusal.tooManyRequests(
          "Too many enrolments into '"
              + organisation
              + "' from this address; try again in "
              + seconds
              + " s",
          Duration.ofSeconds(seconds));
    }
  }

  private static String source(String address) {
    InetAddress parsed = Cidr.literal(address);
    if (parsed instanceof Inet6Address) {
      byte[] prefix = Arrays.copyOf(parsed.getAddress(), 8);
      return "v6 " + Arrays.toString(prefix);
    }
    return parsed == null ? String.valueOf(address) : parsed.getHostAddress();
  }

  /** Tokens refill continuously at limit per window, up to limit. */
  private final class Bucket {
    private double tokens = limit;
    private long updated;

    Bucket(long now) {
      this.updated = now;
    }

    /** 0 when a token was taken, else nanoseconds until one is there. */
    synchronized long take(long now) {
      refill(now);
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return (long) ((1 - tokens) * windowNanos / limit);
    }

    synchronized boolean isFull(long now) {
      refill(now);
      return tokens >= limit;
    }

    private void refill(long now) {
      tokens = Math.min(limit, tokens + (double) (now - updated) * limit / windowNanos);
      updated = now;
    }
  }
}
