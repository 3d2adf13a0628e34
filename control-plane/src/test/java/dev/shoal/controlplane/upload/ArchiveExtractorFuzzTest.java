package dev.shoal.controlplane.upload;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.shoal.controlplane.refusal.Refusal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Hostile archives, unpacked the way {@link Uploads} completes an upload: extract into a staging
 * directory next to the upload's files, then move everything over. Without {@code JAZZER_FUZZ} each
 * method replays its seeds in ArchiveExtractorFuzzTestInputs/&lt;method&gt;/; with it, Jazzer
 * fuzzes one method (see README).
 *
 * <p>Whatever the bytes: the only exception out is a 400 or 413 (a {@link Refusal} {@code INVALID}
 * or {@code TOO_LARGE}); nothing is created, changed or linked outside the upload's directory (a
 * canary directory next to it is watched, and names aim at it); a refused archive leaves the
 * upload's files as they were; an accepted one leaves only regular files whose paths pass the
 * manifest path rule, at most {@link #MAX} bytes more than before, and the files that were there
 * untouched.
 */
class ArchiveExtractorFuzzTest {
  static final long MAX = 256 * 1024;

  /** Files already uploaded one by one; the archive may neither repeat nor run through them. */
  static final Map<String, String> EXISTING =
      Map.of("existing.txt", "one", "dir/existing.bin", "two");

  private static Path base;

  @FuzzTest(maxDuration = "5m")
  void arbitraryBytes(byte[] archive) throws IOException {
    unpack(archive);
  }

  /** Builds real tar, tar.gz and zip files from the input, to get past the format checks. */
  @FuzzTest(maxDuration = "5m")
  void structured(FuzzedDataProvider data) throws IOException {
    String escaped = outside().resolve("escaped").toString();
    byte[] archive;
    try {
      archive = new ArchiveBuilder(data, escaped).build();
    } catch (IOException | RuntimeException e) {
      return; // the writer refused what the fuzzer asked for: nothing to unpack
    }
    unpack(archive);
  }

  static void unpack(byte[] archive) throws IOException {
    Path upload = sandbox();
    Path files = upload.resolve("files");
    Path staging = upload.resolve("unpacking");
    Files.write(upload.resolve(Uploads.ARCHIVE), archive);
    Files.createDirectories(staging);
    boolean accepted = false;
    try {
      ArchiveExtractor.extract(
          upload.resolve(Uploads.ARCHIVE), staging, new TreeSet<>(EXISTING.keySet()), MAX);
      ArchiveExtractor.moveAll(staging, files);
      accepted = true;
    } catch (Refusal e) {
      if (e.kind() != Refusal.Kind.INVALID && e.kind() != Refusal.Kind.TOO_LARGE) {
        throw new AssertionError("not a 400 or 413: " + e, e);
      }
    } finally {
      Uploads.deleteTree(staging);
    }
    checkNothingOutside(upload);
    checkFiles(files, accepted);
  }

  private static void checkNothingOutside(Path upload) throws IOException {
    check(names(base).equals(Set.of("outside", "upload")), "something next to the upload");
    check(names(outside()).equals(Set.of("canary")), "something in the canary directory");
    check(Files.readString(outside().resolve("canary")).equals("canary"), "the canary was changed");
    check(
        names(upload).equals(Set.of("files", Uploads.ARCHIVE)),
        "upload directory holds " + names(upload));
    try (Stream<Path> all = Files.walk(base)) {
      all.forEach(
          p ->
              check(
                  Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                      || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS),
                  "not a plain file or directory: " + p));
    }
  }

  private static void checkFiles(Path files, boolean accepted) throws IOException {
    Map<String, byte[]> found = new TreeMap<>();
    try (Stream<Path> all = Files.walk(files)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        found.put(files.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    long added = 0;
    for (Map.Entry<String, byte[]> f : found.entrySet()) {
      String path = f.getKey();
      if (EXISTING.containsKey(path)) {
        check(
            Arrays.equals(f.getValue(), EXISTING.get(path).getBytes(StandardCharsets.UTF_8)),
            "an uploaded file was overwritten: " + path);
      } else {
        check(accepted, "a refused archive left " + path);
        check(UploadPaths.check(path).equals(path), "unpacked a path off the rule: " + path);
        added += f.getValue().length;
      }
    }
    check(found.keySet().containsAll(EXISTING.keySet()), "an uploaded file went missing");
    check(added <= MAX, "unpacked " + added + " bytes, more than the limit");
  }

  /** A fresh upload directory with the existing files, and the canary next to it. */
  private static Path sandbox() throws IOException {
    Uploads.deleteTree(outside());
    Files.createDirectories(outside());
    Files.writeString(outside().resolve("canary"), "canary");
    Path upload = base.resolve("upload");
    Uploads.deleteTree(upload);
    for (Map.Entry<String, String> e : EXISTING.entrySet()) {
      Path f = upload.resolve("files").resolve(e.getKey());
      Files.createDirectories(f.getParent());
      Files.writeString(f, e.getValue());
    }
    return upload;
  }

  /** The canary directory next to the upload; the first call creates both's parent. */
  private static Path outside() {
    if (base == null) {
      try {
        base = Files.createTempDirectory("archive-fuzz");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(ArchiveExtractorFuzzTest::cleanUp));
    }
    return base.resolve("outside");
  }

  private static void cleanUp() {
    try {
      Uploads.deleteTree(base);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      Set<String> out = new TreeSet<>();
      list.forEach(p -> out.add(p.getFileName().toString()));
      return out;
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
