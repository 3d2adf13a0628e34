package dev.shoal.protocol.chunking;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Splits a stream into content-defined chunks, one at a time, in a single reused buffer that grows
 * to at most twice the maximum chunk size (small files stay at 64 KiB); memory use does not depend
 * on the stream length. Not thread-safe.
 *
 * <pre>{@code
 * while (reader.next()) {
 *   use(reader.buffer(), reader.offset(), reader.length()); // valid until the next call
 * }
 * }</pre>
 */
public final class ChunkReader {
  private static final int INITIAL_BUFFER = 64 << 10;

  private final InputStream in;
  private final FastCdc cdc;
  private final int capacity;
  private byte[] buf;
  private int start;
  private int end;
  private boolean eof;
  private int chunkLength;
  private long position;

  public ChunkReader(InputStream in) {
    this(in, ChunkingParams.DEFAULT);
  }

  public ChunkReader(ReadableByteChannel channel) {
    this(Channels.newInputStream(channel), ChunkingParams.DEFAULT);
  }

  public ChunkReader(InputStream in, ChunkingParams params) {
    this.in = in;
    this.cdc = new FastCdc(params);
    this.capacity = 2 * params.maxSize();
    this.buf = new byte[Math.min(INITIAL_BUFFER, capacity)];
  }

  /** Advances to the next chunk; false at the end of the stream. */
  public boolean next() throws IOException {
    position += chunkLength;
    start += chunkLength;
    chunkLength = 0;
    if (!eof && end - start < cdc.params().maxSize()) {
      refill();
    }
    if (start == end) {
      return false;
    }
    chunkLength = cdc.cut(buf, start, end - start);
    return true;
  }

  /** The buffer holding the current chunk; overwritten by {@link #next()}. */
  public byte[] buffer() {
    return buf;
  }

  public int offset() {
    return start;
  }

  public int length() {
    return chunkLength;
  }

  /** Offset of the current chunk in the stream. */
  public long position() {
    return position;
  }

  private void refill() throws IOException {
    int remaining = end - start;
    System.arraycopy(buf, start, buf, 0, remaining);
    start = 0;
    end = remaining;
    // Fill the buffer; grow it only while it cannot yet hold a maximum-size chunk, so that a
    // small file never costs the full buffer.
    while (!eof) {
      if (end == buf.length) {
        if (end >= cdc.params().maxSize()) {
          return;
        }
        buf = Arrays.copyOf(buf, Math.min(buf.length * 4, capacity));
      }
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        eof = true;
      } else {
        end += n;
      }
    }
  }
}
