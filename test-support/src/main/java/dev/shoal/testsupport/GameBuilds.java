package dev.shoal.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Game builds for tests: in memory (by relative path, {@code /} separators), as archives, or
 * written to disk for builds too big for the heap. Everything is deterministic for a seed, and
 * random bytes do not compress, as real game assets mostly do not.
 */
public final class GameBuilds {
  public static final int MIB = 1 << 20;

  private GameBuilds() {}

  /** Deterministic pseudo-random (incompressible) bytes. */
  public static byte[] bytes(long seed, int size) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /**
   * A build of about {@code size} bytes: {@code bin/game.exe} and {@code data/levels.pak} share
   * most of it; {@code config/settings.ini} and a 10 kB {@code readme.txt} complete it.
   */
  public static Map<String, byte[]> build(long seed, int size) {
    Map<String, byte[]> files = new TreeMap<>();
    files.put("bin/game.exe", bytes(seed * 10 + 1, size / 2));
    files.put("data/levels.pak", bytes(seed * 10 + 2, Math.max(0, size / 2 - 10_000)));
    files.put("config/settings.ini", "volume=7\nfullscreen=1\n".getBytes(StandardCharsets.UTF_8));
    files.put("readme.txt", bytes(seed * 10 + 3, 10_000));
    return files;
  }

  /** The build as a zip archive. */
  public static byte[] zip(Map<String, byte[]> files) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(file.getKey()));
        zip.write(file.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The build as a gzip-compressed tar archive. */
  public static byte[] tarGz(Map<String, byte[]> files) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gzip = new GZIPOutputStream(bytes);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
        entry.setSize(file.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(file.getValue());
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The bytes gzip-compressed (a tar becomes a tar.gz). */
  public static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes the build under {@code dir}; returns {@code dir}. */
  public static Path write(Path dir, Map<String, byte[]> files) {
    try {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path target = dir.resolve(file.getKey());
        Files.createDirectories(target.getParent());
        Files.write(target, file.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /**
   * Every regular file under {@code dir} by relative path ({@code /} separators), with its bytes.
   */
  public static Map<String, byte[]> files(Path dir) {
    Map<String, byte[]> out = new HashMap<>();
    for (Path p : regularFiles(dir)) {
      try {
        out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** The regular files under {@code dir}, sorted. */
  public static List<Path> regularFiles(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The names in {@code dir}'s parent (the install directory and anything staged beside it). */
  public static List<String> siblings(Path dir) {
    try (Stream<Path> s = Files.list(dir.getParent())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code size} pseudo-random bytes (seeded) to {@code dir/name} (directories created as
   * needed), 1 MiB at a time, never holding the file in memory; returns the file.
   */
  public static Path randomFile(Path dir, String name, long size, long seed) {
    Path file = dir.resolve(name);
    try {
      Files.createDirectories(file.getParent());
      try (FileChannel out =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        writeRandom(out, 0, size, seed);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /**
   * A build too big for the heap, written to {@code dir}: {@code files} random files {@code
   * data/part-00.pak}, {@code data/part-01.pak}, ... of {@code fileSize} bytes (seeds {@code seed},
   * {@code seed + 1}, ...); returns {@code dir}.
   */
  public static Path bigBuild(Path dir, int files, long fileSize, long seed) {
    for (int i = 0; i < files; i++) {
      randomFile(dir, String.format("data/part-%02d.pak", i), fileSize, seed + i);
    }
    return dir;
  }

  /** Overwrites {@code length} bytes of {@code file} at {@code offset} with new random bytes. */
  public static void overwriteRandom(Path file, long offset, long length, long seed)
      throws IOException {
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
      writeRandom(out, offset, length, seed);
    }
  }

  private static void writeRandom(FileChannel out, long offset, long length, long seed)
      throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    ByteBuffer buffer = ByteBuffer.allocate(MIB);
    long at = offset;
    long left = length;
    while (left > 0) {
      buffer.clear();
      int n = (int) Math.min(MIB, left);
      fill(buffer, n, random);
      while (buffer.hasRemaining()) {
        at += out.write(buffer, at);
      }
      left -= n;
    }
  }

  private static void fill(ByteBuffer buffer, int n, SplittableRandom random) {
    int longs = n / Long.BYTES;
    for (int i = 0; i < longs; i++) {
      buffer.putLong(random.nextLong());
    }
    while (buffer.position() < n) {
      buffer.put((byte) random.nextInt());
    }
    buffer.flip();
  }
}
