package dev.shoal.agent.install;

import dev.shoal.agent.install.InstallException.Code;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/** Whether the file systems an install writes to have room for it, asked before it writes. */
final class DiskSpace {
  private final ToLongFunction<FileStore> usableSpace;

  /**
   * @param usableSpace the bytes free for this process on a file system ({@link #usableSpace} on a
   *     real one; tests fake a full disk)
   */
  DiskSpace(ToLongFunction<FileStore> usableSpace) {
    this.usableSpace = usableSpace;
  }

  /**
   * Each directory's need, summed per file system, against that file system's usable space.
   *
   * @throws InstallException DISK_FULL naming the first directory whose file system lacks room, the
   *     bytes needed and the bytes free
   */
  void require(Map<Path, Long> needs) throws InstallException {
    Map<FileStore, Long> perStore = new LinkedHashMap<>();
    Map<FileStore, Path> named = new HashMap<>();
    try {
      for (var e : needs.entrySet()) {
        FileStore store = Files.getFileStore(existingAncestor(e.getKey()));
        perStore.merge(store, e.getValue(), Long::sum);
        named.putIfAbsent(store, e.getKey());
      }
      for (var e : perStore.entrySet()) {
        long free = usableSpace.applyAsLong(e.getKey());
        if (free < e.getValue()) {
          throw new InstallException(
              Code.DISK_FULL,
              "needs "
                  + humanBytes(e.getValue())
                  + " free on "
                  + named.get(e.getKey())
                  + ", "
                  + humanBytes(free)
                  + " free; free space and retry");
        }
      }
    } catch (IOException e) {
      throw InstallException.fromIo("cannot tell the free space for " + needs.keySet(), e);
    } catch (UncheckedIOException e) {
      throw InstallException.fromIo(
          "cannot tell the free space for " + needs.keySet(), e.getCause());
    }
  }

  private static Path existingAncestor(Path dir) {
    Path p = dir.toAbsolutePath();
    while (p.getParent() != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p;
  }

  static long usableSpace(FileStore store) {
    try {
      return store.getUsableSpace();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Decimal gigabytes from 0.1 GB up, else megabytes, one decimal: what disk tools show. */
  static String humanBytes(long bytes) {
    if (bytes >= 100_000_000L) {
      return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
