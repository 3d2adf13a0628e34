package dev.shoal.controlplane.upload;

import static dev.shoal.controlplane.refusal.Refusal.Kind.INVALID;
import static dev.shoal.controlplane.refusal.Refusal.Kind.TOO_LARGE;

import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.protocol.manifest.FileModes;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Unpacks an uploaded tar (optionally gzip-compressed) or zip into a directory, streaming. Refuses
 * the whole archive on the first entry that is not a plain file or directory (symlinks, hard links,
 * devices, FIFOs), whose name escapes the tree or breaks the manifest path rule, that repeats a
 * path, or that is a file where another entry (or a file already uploaded) needs a directory, or
 * the other way round (ignoring case, as Windows and macOS would).
 */
final class ArchiveExtractor {
  /**
   * Tar bytes that are not file data (headers, GNU long names, PAX records, padding, anything the
   * tar reader skips) may be at most this plus {@link #OVERHEAD_PER_ENTRY} per entry. The tar
   * reader buffers long names and PAX records whole: without this a gzip of a few KB could make it
   * inflate and hold gigabytes, which the unpacked-size limit does not see.
   */
  static final long OVERHEAD = 1 << 20;

  static final long OVERHEAD_PER_ENTRY = 8192;

  private final Path target;

  /** Files and the directories they need, lower case, to find clashes ignoring case. */
  private final Set<String> files = new HashSet<>();

  private final Set<String> directories = new HashSet<>();
  private final long maxBytes;
  private long written;
  private long consumed;
  private long entries;

  private ArchiveExtractor(Path target, Set<String> existing, long maxBytes) {
    this.target = target;
    existing.forEach(p -> claim(p.toLowerCase(Locale.ROOT)));
    this.maxBytes = maxBytes;
  }

  /**
   * @param existing paths already in the upload, which the archive may not repeat
   * @param maxBytes the most the archive may unpack to
   */
  static void extract(Path archive, Path target, Set<String> existing, long maxBytes)
      throws IOException {
    ArchiveExtractor extractor = new ArchiveExtractor(target, existing, maxBytes);
    byte[] magic = new byte[4];
    try (InputStream in = Files.newInputStream(archive)) {
      int n = in.readNBytes(magic, 0, 4);
      if (n < 4) {
        throw bad("the archive is empty or truncated");
      }
    }
    if (magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
      extractor.zip(archive);
    } else {
      extractor.tar(archive, (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b);
    }
  }

  private void zip(Path archive) throws IOException {
    try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
      Enumeration<ZipArchiveEntry> entries = zip.getEntries();
      while (entries.hasMoreElements()) {
        ZipArchiveEntry entry = entries.nextElement();
        if (entry.isDirectory()) {
          continue;
        }
        if (entry.isUnixSymlink()) {
          throw bad("'" + entry.getName() + "' is a symbolic link");
        }
        int mode = entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? entry.getUnixMode() : 0;
        if (mode != 0 && (mode & 0170000) != 0 && (mode & 0170000) != 0100000) {
          throw bad("'" + entry.getName() + "' is not a regular file");
        }
        try (InputStream in = zip.getInputStream(entry)) {
          write(entry.getName(), in, mode & 0777);
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      // Reading the archive failed; our own writes throw UncheckedIOException and pass through.
      throw bad("not a readable zip: " + e.getMessage());
    }
  }

  private void tar(Path archive, boolean gzip) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
        InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
        TarArchiveInputStream tar = new TarArchiveInputStream(new Metered(in))) {
      TarArchiveEntry entry;
      boolean any = false;
      while ((entry = tar.getNextEntry()) != null) {
        any = true;
        entries++;
        if (entry.isDirectory()) {
          continue;
        }
        if (entry.isSymbolicLink() || entry.isLink()) {
          throw bad("'" + entry.getName() + "' is a link");
        }
        byte type = entry.getLinkFlag();
        // isFile() is true for anything not a directory: check the type flag itself.
        if (type != TarConstants.LF_NORMAL
            && type != TarConstants.LF_OLDNORM
            && type != TarConstants.LF_CONTIG) {
          throw bad("'" + entry.getName() + "' is not a regular file (device, FIFO or other)");
        }
        write(entry.getName(), tar, entry.getMode() & 0777);
      }
      if (!any) {
        throw bad("not a tar or zip archive, or an empty one");
      }
    } catch (IOException | IllegalArgumentException e) {
      // Reading the archive failed; our own writes throw UncheckedIOException and pass through.
      throw bad("not a readable tar: " + e.getMessage());
    }
  }

  private void write(String name, InputStream in, int mode) throws IOException {
    String path = checkedName(name);
    Path file = UploadPaths.resolve(target, path);
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw bad("'" + path + "' runs through a file of the archive");
    }
    try (var out = Files.newOutputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      // Reads may fail (a bad archive: IOException); writes failing is ours (UncheckedIOException).
      while ((n = in.read(buffer)) > 0) {
        written += n;
        if (written > maxBytes) {
          throw new Refusal(
              TOO_LARGE,
              "The archive unpacks to more than shoal.upload.max-bytes (" + maxBytes + " bytes)");
        }
        writeOrFail(out, buffer, n);
      }
    } catch (java.nio.file.FileSystemException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (mode != 0 && Files.getFileStore(file).supportsFileAttributeView("posix")) {
      Files.setPosixFilePermissions(file, FileModes.permissions(mode | 0600));
    }
  }

  private static void writeOrFail(java.io.OutputStream out, byte[] buffer, int n) {
    try {
      out.write(buffer, 0, n);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String checkedName(String name) {
    if (name.startsWith("/")) {
      throw bad("'" + name + "' is an absolute path");
    }
    String path;
    try {
      path = UploadPaths.check(name);
    } catch (Refusal e) {
      throw bad(e.getMessage());
    }
    String key = path.toLowerCase(Locale.ROOT);
    if (files.contains(key)) {
      throw bad("'" + path + "' appears twice (paths are compared ignoring case)");
    }
    if (directories.contains(key)) {
      throw bad("'" + path + "' is a file but also a directory of other files");
    }
    for (int slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
      if (files.contains(key.substring(0, slash))) {
        throw bad("'" + path + "' runs through a file of the upload");
      }
    }
    claim(key);
    return path;
  }

  private void claim(String key) {
    files.add(key);
    for (int slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
      directories.add(key.substring(0, slash));
    }
  }

  /** Counts every tar byte read and stops at the overhead limit (see {@link #OVERHEAD}). */
  private final class Metered extends FilterInputStream {
    Metered(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count(b < 0 ? 0 : 1);
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count(Math.max(n, 0));
      return n;
    }

    /** By reading, in steps, so that skipping a huge entry is metered too. */
    @Override
    public long skip(long n) throws IOException {
      if (n <= 0) {
        return 0;
      }
      return Math.max(0, read(new byte[(int) Math.min(n, 8192)]));
    }

    private void count(int n) {
      consumed += n;
      if (consumed - written > OVERHEAD + OVERHEAD_PER_ENTRY * entries) {
        throw bad(
            "more than "
                + OVERHEAD
                + " bytes of tar headers, padding or skipped data (plus "
                + OVERHEAD_PER_ENTRY
                + " per entry)");
      }
    }
  }

  /** Moves every file of {@code from} into {@code to} (same file system). */
  static void moveAll(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path source : files.filter(Files::isRegularFile).toList()) {
        Path dest = to.resolve(from.relativize(source).toString());
        Files.createDirectories(dest.getParent());
        Files.move(source, dest, StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }

  private static Refusal bad(String why) {
    return new Refusal(INVALID, "Bad archive: " + why);
  }
}
