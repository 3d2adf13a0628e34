package dev.shoal.swarm;

import java.nio.ByteBuffer;

/**
 * A circular byte buffer that starts small and doubles up to a limit: what a uTP connection has
 * received in order and the reader has not taken. One copy in (from the socket's datagram buffer)
 * and one out, and no array per packet: a per-packet array was garbage at the rate of the download.
 */
final class ByteRing {
  private final int limit;
  private byte[] bytes;
  private int head;
  private int size;

  ByteRing(int initial, int limit) {
    this.limit = limit;
    this.bytes = new byte[Math.min(initial, limit)];
  }

  int size() {
    return size;
  }

  /** Appends what {@code src} holds; the caller keeps within the limit. */
  void put(ByteBuffer src) {
    int n = src.remaining();
    if (size + n > limit) {
      throw new IllegalStateException("over the limit: " + (size + n) + " > " + limit);
    }
    grow(size + n);
    int tail = (head + size) % bytes.length;
    int first = Math.min(n, bytes.length - tail);
    src.get(bytes, tail, first);
    src.get(bytes, 0, n - first);
    size += n;
  }

  /** Moves as much as fits into {@code dst}; returns how many bytes. */
  int get(ByteBuffer dst) {
    int n = Math.min(size, dst.remaining());
    int first = Math.min(n, bytes.length - head);
    dst.put(bytes, head, first);
    dst.put(bytes, 0, n - first);
    head = (head + n) % bytes.length;
    size -= n;
    if (size == 0) {
      head = 0;
    }
    return n;
  }

  private void grow(int needed) {
    if (needed <= bytes.length) {
      return;
    }
    int capacity = bytes.length;
    while (capacity < needed) {
      capacity = Math.min(limit, capacity * 2);
    }
    byte[] to = new byte[capacity];
    int first = Math.min(size, bytes.length - head);
    System.arraycopy(bytes, head, to, 0, first);
    System.arraycopy(bytes, 0, to, first, size - first);
    bytes = to;
    head = 0;
  }
}
