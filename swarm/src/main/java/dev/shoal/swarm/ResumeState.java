package dev.shoal.swarm;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.zip.CRC32;

/**
 * Fast-resume file: which pieces are verified on disk. Written as temp file + fsync + atomic
 * rename, so after a crash we find either the old or the new state, never a torn one. A CRC catches
 * everything else; a bad file is simply ignored (the data is then re-checked).
 */
final class ResumeState {
  private static final int MAGIC = 0x53485231; // "SHR1"

  private ResumeState() {}

  static void write(Path file, byte[] infoHash, long length, int pieceCount, BitSet have)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(MAGIC);
    out.write(infoHash);
    out.writeLong(length);
    out.writeInt(pieceCount);
    byte[] bits = Arrays.copyOf(have.toByteArray(), (pieceCount + 7) / 8);
    out.write(bits);
    CRC32 crc = new CRC32();
    crc.update(bytes.toByteArray());
    out.writeLong(crc.getValue());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray());
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** The verified pieces, or null when the file is absent, corrupt or for another torrent. */
  static BitSet read(Path file, byte[] infoHash, long length, int pieceCount) {
    try {
      byte[] all = Files.readAllBytes(file);
      int bitsLen = (pieceCount + 7) / 8;
      if (all.length != 4 + 20 + 8 + 4 + bitsLen + 8) {
        return null;
      }
      CRC32 crc = new CRC32();
      crc.update(all, 0, all.length - 8);
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all));
      byte[] hash = new byte[20];
      boolean ok = in.readInt() == MAGIC;
      in.readFully(hash);
      ok &= Arrays.equals(hash, infoHash) && in.readLong() == length && in.readInt() == pieceCount;
      byte[] bits = new byte[bitsLen];
      in.readFully(bits);
      ok &= in.readLong() == crc.getValue();
      return ok ? BitSet.valueOf(bits) : null;
    } catch (IOException e) {
      return null;
    }
  }
}
