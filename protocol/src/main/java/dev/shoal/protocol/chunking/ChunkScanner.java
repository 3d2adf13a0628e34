package dev.shoal.protocol.chunking;

import dev.shoal.protocol.Hex;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/** Chunks a file and computes the ids the manifest needs, handing each chunk's bytes on. */
public final class ChunkScanner {
  /** Receives each chunk; the bytes are only valid during the call. */
  @FunctionalInterface
  public interface ChunkConsumer {
    void accept(ChunkRef chunk, byte[] buffer, int offset, int length) throws IOException;
  }

  private ChunkScanner() {}

  public static FileChunks scan(InputStream in) throws IOException {
    return scan(in, ChunkingParams.DEFAULT, (c, b, o, l) -> {});
  }

  public static FileChunks scan(InputStream in, ChunkConsumer consumer) throws IOException {
    return scan(in, ChunkingParams.DEFAULT, consumer);
  }

  public static FileChunks scan(InputStream in, ChunkingParams params, ChunkConsumer consumer)
      throws IOException {
    MessageDigest whole = sha256();
    MessageDigest perChunk = sha256();
    ChunkReader reader = new ChunkReader(in, params);
    List<ChunkRef> chunks = new ArrayList<>();
    long size = 0;
    while (reader.next()) {
      byte[] buf = reader.buffer();
      int off = reader.offset();
      int len = reader.length();
      whole.update(buf, off, len);
      perChunk.update(buf, off, len);
      ChunkRef ref = new ChunkRef(Hex.encode(perChunk.digest()), reader.position(), len);
      chunks.add(ref);
      consumer.accept(ref, buf, off, len);
      size += len;
    }
    return new FileChunks(size, Hex.encode(whole.digest()), chunks);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
