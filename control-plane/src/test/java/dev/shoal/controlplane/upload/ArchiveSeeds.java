package dev.shoal.controlplane.upload;

import dev.shoal.testsupport.GameBuilds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * Writes the checked-in seeds of {@link ArchiveExtractorFuzzTest} and {@link UploadPathsFuzzTest}:
 * a few good archives and one of each known attack. Run from the repository root after changing it:
 *
 * <pre>
 * mvn -B -o -pl control-plane test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -cp control-plane/target/test-classes:$(cat control-plane/cp.txt) \
 *   dev.shoal.controlplane.upload.ArchiveSeeds
 * </pre>
 */
final class ArchiveSeeds {
  private static final Path INPUTS =
      Path.of("control-plane/src/test/resources/dev/shoal/controlplane/upload");

  private ArchiveSeeds() {}

  public static void main(String[] args) throws IOException {
    Map<String, byte[]> archives = archives();
    write("ArchiveExtractorFuzzTestInputs/arbitraryBytes", archives);
    Map<String, byte[]> structured = new LinkedHashMap<>();
    Random random = new Random(9);
    for (int i = 0; i < 8; i++) {
      byte[] b = new byte[64 + 64 * i];
      random.nextBytes(b);
      structured.put("random-" + i, b);
    }
    write("ArchiveExtractorFuzzTestInputs/structured", structured);
    Map<String, byte[]> paths =
        numbered(
            "path-",
            "bin/game.exe",
            "./data/a.pak",
            "../evil",
            "/etc/passwd",
            "a/../../b",
            "a\\b",
            "a//b",
            "./..",
            "a/./b",
            "c:/x",
            "a\0b",
            "con/aux",
            "x".repeat(1100),
            "\u00e9t\u00e9/\u4e2d.txt");
    paths.put("unpaired-surrogate", utf16("a/\ud800b"));
    write("UploadPathsFuzzTestInputs/path", paths);
    Map<String, byte[]> ranges =
        numbered(
            "range-",
            "bytes 0-99/100",
            "bytes 40-99/*",
            "bytes 5-4/100",
            "bytes 0-100/100",
            "bytes 0-999999999999999999/999999999999999999",
            "bytes 0-9999999999999999999/*",
            "bytes -1-2/3",
            "  bytes 0-0/1  ",
            "bytes \u0661-\u0662/\u0663");
    write("UploadPathsFuzzTestInputs/contentRange", ranges);
  }

  /** Seeds named {@code prefix} and their index, holding {@code values} in UTF-8, in order. */
  private static Map<String, byte[]> numbered(String prefix, String... values) {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    for (String value : values) {
      seeds.put(prefix + seeds.size(), value.getBytes(StandardCharsets.UTF_8));
    }
    return seeds;
  }

  static Map<String, byte[]> archives() throws IOException {
    byte[] exe = "MZ fake game".getBytes(StandardCharsets.UTF_8);
    byte[] pak = new byte[3000];
    Arrays.fill(pak, (byte) 'p');
    byte[] zeros = new byte[1 << 20];
    // More than ArchiveExtractor.OVERHEAD of headers or skipped data, and nothing to unpack.
    byte[] overhead = new byte[4 << 20];
    Map<String, byte[]> a = new LinkedHashMap<>();
    a.put("valid.tar", tar(file("bin/game.exe", exe, 0755), file("./data/a.pak", pak, 0644)));
    a.put("valid.tar.gz", GameBuilds.gzip(a.get("valid.tar")));
    a.put("valid.zip", zip(Map.of("bin/game.exe", exe, "data/a.pak", pak), 0100755));
    a.put("zip-slip.zip", zip(Map.of("../../outside/escaped", exe), 0));
    a.put("absolute.tar", tar(absolute("/tmp/shoal-fuzz-escaped", exe)));
    a.put("dotdot.tar", tar(file("a/../../outside/escaped", exe, 0644)));
    a.put("symlink.tar", tar(link("link", TarConstants.LF_SYMLINK, "/etc")));
    a.put("hardlink.tar", tar(link("hard", TarConstants.LF_LINK, "/etc/passwd")));
    a.put("fifo.tar", tar(special("fifo", TarConstants.LF_FIFO)));
    a.put("device.tar", tar(special("dev", TarConstants.LF_CHR)));
    a.put("symlink.zip", zip(Map.of("link", "/etc".getBytes(StandardCharsets.UTF_8)), 0120777));
    a.put("fifo.zip", zip(Map.of("fifo", new byte[0]), 0010644));
    a.put("nul-name.zip", zip(Map.of("a\0b", exe), 0));
    a.put("backslash.zip", zip(Map.of("..\\..\\outside\\escaped", exe), 0));
    a.put("dup-case.zip", zip(Map.of("Game.exe", exe, "game.EXE", exe), 0));
    a.put("existing-dup.tar", tar(file("Existing.txt", exe, 0644)));
    a.put("file-then-dir.tar", tar(file("a", exe, 0644), file("a/b", exe, 0644)));
    a.put("dir-then-file.tar", tar(file("a/b", exe, 0644), file("a", exe, 0644)));
    a.put("through-existing.tar", tar(file("existing.txt/x", exe, 0644)));
    a.put("over-existing-dir.tar", tar(file("dir", exe, 0644)));
    a.put("bomb.zip", zip(Map.of("zeros", zeros), 0));
    a.put("bomb.tar.gz", GameBuilds.gzip(tar(file("zeros", zeros, 0644))));
    a.put("dir-data-bomb.tar.gz", GameBuilds.gzip(directoryWithData("d/", overhead)));
    a.put(
        "pax-bomb.tar.gz",
        GameBuilds.gzip(tar(pax("big", new String(overhead, StandardCharsets.UTF_8)))));
    a.put("longname-bomb.tar.gz", GameBuilds.gzip(gnuLongName("n".repeat(4 << 20))));
    byte[] gz = a.get("valid.tar.gz");
    a.put("truncated.tar.gz", Arrays.copyOf(gz, gz.length / 2));
    byte[] zip = a.get("valid.zip");
    a.put("truncated.zip", Arrays.copyOf(zip, zip.length - 30));
    a.put("zip-magic-only", new byte[] {'P', 'K', 3, 4});
    a.put("gzip-magic-only", new byte[] {0x1f, (byte) 0x8b, 8, 0});
    a.put("not-an-archive", "hello, this is not an archive".getBytes(StandardCharsets.UTF_8));
    return a;
  }

  /** A tar entry: its header and its content. */
  record Entry(TarArchiveEntry header, byte[] content) {}

  private static Entry file(String name, byte[] content, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(mode);
    e.setSize(content.length);
    return new Entry(e, content);
  }

  private static Entry absolute(String name, byte[] content) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(content.length);
    return new Entry(e, content);
  }

  private static Entry link(String name, byte flag, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, flag);
    e.setLinkName(target);
    return new Entry(e, new byte[0]);
  }

  private static Entry special(String name, byte flag) {
    return new Entry(new TarArchiveEntry(name, flag), new byte[0]);
  }

  /** The writer will not give a directory data, so this writes a file and patches its type. */
  private static byte[] directoryWithData(String name, byte[] content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 512)) {
      TarArchiveEntry e = new TarArchiveEntry(name.replace("/", ""));
      e.setSize(content.length);
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
    }
    byte[] bytes = out.toByteArray();
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, bytes, 0, n.length);
    setType(bytes, 0, TarConstants.LF_DIR);
    return bytes;
  }

  /** Sets the type flag of the header block at {@code offset} and its checksum. */
  static void setType(byte[] tar, int offset, byte flag) {
    tar[offset + 156] = flag;
    Arrays.fill(tar, offset + 148, offset + 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += tar[offset + i] & 0xff;
    }
    byte[] octal = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(octal, 0, tar, offset + 148, 8);
  }

  private static Entry pax(String name, String value) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.addPaxHeader("comment", value);
    return new Entry(e, new byte[0]);
  }

  /** A tar of these entries, long names in PAX headers. */
  static byte[] tar(Entry... entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Entry e : entries) {
        tar.putArchiveEntry(e.header());
        tar.write(e.content());
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  /** A GNU long-name block (type 'L') holding {@code name}, then an empty file (by hand: fast). */
  private static byte[] gnuLongName(String name) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 512);
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry("././@LongLink");
    e.setSize(n.length);
    tar.putArchiveEntry(e);
    tar.write(n);
    tar.closeArchiveEntry();
    byte[] longName = out.toByteArray();
    setType(longName, 0, TarConstants.LF_GNUTYPE_LONGNAME);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.write(longName);
    all.write(tar(file("short", new byte[0], 0644)));
    return all.toByteArray();
  }

  private static byte[] zip(Map<String, byte[]> files, int unixMode) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
      for (Map.Entry<String, byte[]> f : new java.util.TreeMap<>(files).entrySet()) {
        ZipArchiveEntry e = new ZipArchiveEntry(f.getKey());
        if (unixMode != 0) {
          e.setUnixMode(unixMode);
        }
        zip.putArchiveEntry(e);
        zip.write(f.getValue());
        zip.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  private static byte[] utf16(String s) {
    // By hand: the charset encoder would replace an unpaired surrogate.
    byte[] out = new byte[1 + 2 * s.length()];
    out[0] = (byte) 0xff;
    for (int i = 0; i < s.length(); i++) {
      out[1 + 2 * i] = (byte) (s.charAt(i) >> 8);
      out[2 + 2 * i] = (byte) s.charAt(i);
    }
    return out;
  }

  private static void write(String dir, Map<String, byte[]> seeds) throws IOException {
    Path d = INPUTS.resolve(dir);
    Files.createDirectories(d);
    for (Map.Entry<String, byte[]> s : seeds.entrySet()) {
      Files.write(d.resolve(s.getKey()), s.getValue());
    }
  }
}
