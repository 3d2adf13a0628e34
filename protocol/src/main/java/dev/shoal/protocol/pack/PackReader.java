package dev.shoal.protocol.pack;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/** Random access to the encrypted chunks of a pack file. Thread-safe (positional reads). */
public final class PackReader implements Closeable {
  private final FileChannel channel;
  private final PackLayout layout;
  private final Map<String, Integer> index = new HashMap<>();

  /**
   * @throws IOException if the file's size is not the layout's total size
   */
  public PackReader(Path file, PackLayout layout) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
    this.layout = layout;
    for (int i = 0; i < layout.slots().size(); i++) {
      index.put(layout.slots().get(i).chunkId(), i);
    }
    long size = channel.size();
    if (size != layout.totalSize()) {
      channel.close();
      throw new IOException(file + ": " + size + " bytes, layout needs " + layout.totalSize());
    }
  }

  public PackLayout layout() {
    return layout;
  }

  /** The encrypted bytes of the chunk at {@code index} in the layout. */
  public byte[] readChunk(int index) throws IOException {
    PackLayout.Slot slot = layout.slots().get(index);
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(slot.encryptedSize()));
    long pos = slot.offset();
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new EOFException("pack ends inside chunk " + slot.chunkId());
      }
      pos += n;
    }
    return buf.array();
  }

  /**
   * @throws IllegalArgumentException if the pack has no such chunk
   */
  public byte[] readChunk(String chunkId) throws IOException {
    Integer i = index.get(chunkId);
    if (i == null) {
      throw new IllegalArgumentException("chunk " + chunkId + " is not in this pack");
    }
    return readChunk(i);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
