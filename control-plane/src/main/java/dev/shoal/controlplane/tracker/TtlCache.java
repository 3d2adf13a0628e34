package dev.shoal.controlplane.tracker;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A small cache of positive answers (a found device, pack or entitlement) for a few seconds. Absent
 * answers are never stored, so what is granted works at once. {@link #invalidateIf} drops entries
 * at once, and a load that raced with it is not stored: a value read from the database before a
 * revocation committed cannot be cached after the revocation's eviction ran.
 */
final class TtlCache<K, V> {

  private record Entry<V>(V value, long expiresAtNanos) {}

  private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
  // Bumped by every invalidation before it removes anything; a load stores only if unchanged.
  private final AtomicLong generation = new AtomicLong();
  private final long ttlNanos;
  private final int maxEntries;
  private final LongSupplier nanoTime;

  TtlCache(Duration ttl, int maxEntries, LongSupplier nanoTime) {
    this.ttlNanos = ttl.toNanos();
    this.maxEntries = maxEntries;
    this.nanoTime = nanoTime;
  }

  /** The cached value, else {@code loader}'s (stored unless null); null when absent. */
  V get(K key, Function<K, V> loader) {
    if (ttlNanos <= 0) {
      return loader.apply(key);
    }
    long now = nanoTime.getAsLong();
    Entry<V> hit = entries.get(key);
    if (hit != null && now - hit.expiresAtNanos() < 0) {
      return hit.value();
    }
    long before = generation.get();
    V value = loader.apply(key);
    if (value == null) {
      if (hit != null) {
        entries.remove(key, hit);
      }
      return null;
    }
    if (entries.size() >= maxEntries) {
      shrink(now);
    }
    Entry<V> entry = new Entry<>(value, now + ttlNanos);
    entries.put(key, entry);
    // An invalidation that started during the load may have missed this entry: undo it.
    if (generation.get() != before) {
      entries.remove(key, entry);
    }
    return value;
  }

  /** Drops one entry (e.g. one found stale by its caller). */
  void invalidate(K key) {
    generation.incrementAndGet();
    entries.remove(key);
  }

  /** Drops every entry matching; loads in flight when this runs are not stored. */
  void invalidateIf(BiPredicate<K, V> condition) {
    generation.incrementAndGet();
    entries.entrySet().removeIf(e -> condition.test(e.getKey(), e.getValue().value()));
  }

  int size() {
    return entries.size();
  }

  // Full (many distinct keys within one TTL): drop the expired, and everything if that is not
  // enough.
  private void shrink(long now) {
    entries.values().removeIf(e -> now - e.expiresAtNanos() >= 0);
    if (entries.size() >= maxEntries) {
      entries.clear();
    }
  }
}
