package dev.shoal.swarm;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The single data file of a torrent, accessed with positional reads and writes only. */
final class Storage implements Closeable {
  private final FileChannel channel;
  private final long length;

  Storage(Path file, long length, boolean mayWrite) throws IOException {
    this.length = length;
    this.channel = open(file, mayWrite);
    if (mayWrite && channel.size() < length) {
      // Sparse extension: only verified pieces are ever written. A longer file is left alone.
      channel.write(ByteBuffer.allocate(1), length - 1);
    }
  }

  private static FileChannel open(Path file, boolean mayWrite) throws IOException {
    if (mayWrite) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try {
        return FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      } catch (AccessDeniedException e) {
        // fall through: read-only data can still be seeded
      }
    }
    return FileChannel.open(file, StandardOpenOption.READ);
  }

  long size() throws IOException {
    return channel.size();
  }

  void write(long position, byte[] data, int len) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data, 0, len);
    while (b.hasRemaining()) {
      channel.write(b, position + b.position());
    }
  }

  /** Fills {@code dst} up to its limit from {@code position}. */
  void read(long position, ByteBuffer dst) throws IOException {
    long p = position;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, p);
      if (n < 0) {
        throw new EOFException("data file shorter than torrent");
      }
      p += n;
    }
  }

  byte[] read(long position, int len) throws IOException {
    byte[] out = new byte[len];
    read(position, ByteBuffer.wrap(out));
    return out;
  }

  void force() throws IOException {
    channel.force(false);
  }

  long length() {
    return length;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
