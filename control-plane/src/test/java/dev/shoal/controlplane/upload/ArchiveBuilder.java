package dev.shoal.controlplane.upload;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * A tar, tar.gz or zip whose entries (names, kinds, modes, sizes, contents) the fuzzer chooses:
 * names are built from segments that are known to be trouble (traversal, absolute paths aimed at
 * the canary, case twins of existing files, control and Windows-forbidden characters, long ones),
 * kinds include links and devices, contents include long runs of zeros that compress to little.
 */
final class ArchiveBuilder {
  private static final String[] SEGMENTS = {
    "a",
    "A",
    "b",
    "dir",
    "DIR",
    "existing.txt",
    "Existing.TXT",
    "existing.bin",
    "..",
    ".",
    "",
    "x\0y",
    "c:",
    "a\\b",
    "con",
    "n".repeat(300),
    " ",
    "\u00e9",
    "\ud800"
  };

  private final FuzzedDataProvider data;
  private final String outside;

  /**
   * @param outside an absolute path next to the upload, which names may aim at
   */
  ArchiveBuilder(FuzzedDataProvider data, String outside) {
    this.data = data;
    this.outside = outside;
  }

  byte[] build() throws IOException {
    int format = data.consumeInt(0, 2);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (format == 2) {
      zip(out);
      return out.toByteArray();
    }
    byte[] tar = tar();
    if (format == 0) {
      return tar;
    }
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(tar);
    }
    return out.toByteArray();
  }

  private byte[] tar() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // Blocks of 512 bytes, so that out.size() tells where a header ended.
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 512);
    tar.setLongFileMode(
        data.consumeBoolean()
            ? TarArchiveOutputStream.LONGFILE_POSIX
            : TarArchiveOutputStream.LONGFILE_GNU);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    int entries = data.consumeInt(0, 6);
    for (int i = 0; i < entries; i++) {
      String name = name();
      int kind = data.consumeInt(0, 7);
      byte flag =
          switch (kind) {
            case 1 -> TarConstants.LF_DIR;
            case 2 -> TarConstants.LF_SYMLINK;
            case 3 -> TarConstants.LF_LINK;
            case 4 -> TarConstants.LF_FIFO;
            case 5 -> TarConstants.LF_CHR;
            default -> TarConstants.LF_NORMAL;
          };
      TarArchiveEntry entry = new TarArchiveEntry(name, flag, data.consumeBoolean());
      entry.setMode(data.consumeInt(0, 07777));
      if (kind == 2 || kind == 3) {
        entry.setLinkName(name());
      }
      if (kind == 6) {
        entry.addPaxHeader("path", name()); // overrides the name in the header block
      }
      if (kind == 7) {
        entry.addPaxHeader(data.consumeString(10), data.consumeString(40));
      }
      byte[] content = content();
      // The writer gives directories no data; write a file and patch its type (data to skip).
      boolean patch = kind == 1 && content.length > 0;
      if (patch) {
        entry = new TarArchiveEntry(name.replaceAll("/+$", "") + "x", TarConstants.LF_NORMAL, true);
      }
      entry.setSize(content.length);
      tar.putArchiveEntry(entry);
      int header = out.size() - 512;
      tar.write(content);
      tar.closeArchiveEntry();
      if (patch) {
        byte[] bytes = out.toByteArray();
        ArchiveSeeds.setType(bytes, header, TarConstants.LF_DIR);
        out.reset();
        out.write(bytes);
      }
    }
    tar.finish();
    return out.toByteArray();
  }

  private void zip(OutputStream out) throws IOException {
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
      int entries = data.consumeInt(0, 6);
      for (int i = 0; i < entries; i++) {
        String name = name();
        int kind = data.consumeInt(0, 6);
        ZipArchiveEntry entry = new ZipArchiveEntry(kind == 1 ? name + "/" : name);
        int type =
            switch (kind) {
              case 1 -> 0040000;
              case 2 -> 0120000;
              case 4 -> 0010000;
              case 5 -> 0020000;
              default -> 0100000;
            };
        if (kind != 3) {
          entry.setUnixMode(type | data.consumeInt(0, 07777));
        }
        byte[] content = content();
        if (kind == 6) {
          CRC32 crc = new CRC32();
          crc.update(content);
          entry.setMethod(ZipEntry.STORED);
          entry.setSize(content.length);
          entry.setCrc(crc.getValue());
        }
        zip.putArchiveEntry(entry);
        zip.write(content);
        zip.closeArchiveEntry();
      }
    }
  }

  private String name() {
    StringBuilder name = new StringBuilder();
    switch (data.consumeInt(0, 3)) {
      case 1 -> name.append('/');
      case 2 -> name.append("./");
      case 3 -> name.append(outside).append('/');
      default -> {}
    }
    int segments = data.consumeInt(1, 4);
    for (int i = 0; i < segments; i++) {
      if (i > 0) {
        name.append('/');
      }
      int pick = data.consumeInt(0, SEGMENTS.length);
      name.append(pick == SEGMENTS.length ? data.consumeString(12) : SEGMENTS[pick]);
    }
    return name.toString();
  }

  /** Fuzzer bytes, or a run of zeros up to twice the limit (a small compressed bomb). */
  private byte[] content() {
    if (data.consumeBoolean()) {
      return new byte[data.consumeInt(0, (int) (2 * ArchiveExtractorFuzzTest.MAX))];
    }
    return data.consumeBytes(data.consumeInt(0, 4096));
  }
}
