package dev.shoal.agent.install;

import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.pack.PackReader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Gives the plaintext of a chunk by id. The installer checks every returned chunk (SHA-256 must
 * equal the id), so a source may be untrusted.
 */
public interface ChunkSource extends Closeable {
  /**
   * The plaintext bytes of {@code chunkId}.
   *
   * @throws IOException if the chunk is unavailable or cannot be read
   */
  byte[] chunk(String chunkId) throws IOException;

  @Override
  default void close() throws IOException {}

  /**
   * Chunks decrypted from a pack file (full or delta) laid out as {@code layout}, with the product
   * content key. Decryption checks the GCM tag and that the plaintext hashes to the id.
   */
  static ChunkSource fromPack(Path packFile, PackLayout layout, byte[] contentKey)
      throws IOException {
    PackReader reader = new PackReader(packFile, layout);
    ChunkCipher cipher = new ChunkCipher(contentKey);
    return new ChunkSource() {
      @Override
      public byte[] chunk(String chunkId) throws IOException {
        byte[] encrypted;
        try {
          encrypted = reader.readChunk(chunkId);
        } catch (IllegalArgumentException e) {
          throw new IOException("chunk " + chunkId + " is not in pack " + packFile.getFileName());
        }
        return cipher.decrypt(chunkId, encrypted);
      }

      @Override
      public void close() throws IOException {
        reader.close();
      }
    };
  }
}
