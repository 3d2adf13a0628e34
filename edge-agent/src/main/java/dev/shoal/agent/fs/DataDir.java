package dev.shoal.agent.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's data directory. Everything in it is private to the player's account: directories are
 * created {@code rwx------} and files {@code rw-------} on POSIX systems, and files are replaced
 * atomically (temp file, fsync, rename) so a crash or power cut never leaves half a file behind.
 *
 * <p>On non-POSIX file systems (Windows) the per-user profile directory already restricts access to
 * the account; no ACL is applied here yet.
 */
public final class DataDir {
  static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");

  private final Path root;
  private final boolean posix;

  private DataDir(Path root) {
    this.root = root.toAbsolutePath().normalize();
    this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Opens (creating if needed) the data directory and its standard subdirectories. */
  public static DataDir open(Path root) {
    DataDir dir = new DataDir(root);
    dir.ensureDir(dir.root);
    for (Path sub :
        List.of(
            dir.identityDir(), dir.consentDir(), dir.stateDir(), dir.outboxDir(), dir.cacheDir())) {
      dir.ensureDir(sub);
    }
    return dir;
  }

  public Path root() {
    return root;
  }

  public Path identityDir() {
    return root.resolve("identity");
  }

  public Path consentDir() {
    return root.resolve("consent");
  }

  public Path stateDir() {
    return root.resolve("state");
  }

  public Path outboxDir() {
    return root.resolve("outbox");
  }

  public Path cacheDir() {
    return root.resolve("cache");
  }

  public Path localApiFile() {
    return root.resolve("local-api.json");
  }

  public Path lockFile() {
    return root.resolve("agent.lock");
  }

  /** Creates the directory if missing and (re)applies owner-only permissions. */
  public void ensureDir(Path dir) {
    try {
      if (posix) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_PERMS));
        Files.setPosixFilePermissions(dir, DIR_PERMS);
      } else {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  /** Replaces {@code file} with {@code content}: temp file in the same directory, fsync, rename. */
  public void writeAtomically(Path file, byte[] content) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(tmp);
      try (FileChannel ch =
          FileChannel.open(
              tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), fileAttrs())) {
        writeFully(ch, content);
        ch.force(true);
      }
      moveOver(tmp, file);
      syncDirectory(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  public void writeAtomically(Path file, String content) {
    writeAtomically(file, content.getBytes(StandardCharsets.UTF_8));
  }

  /** Appends one line and fsyncs before returning, so an acknowledged record survives a crash. */
  public void appendLine(Path file, String line) {
    if (line.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("a log line must not contain a newline");
    }
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch =
        FileChannel.open(
            file,
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
            fileAttrs())) {
      writeFully(ch, bytes);
      ch.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file, e);
    }
  }

  /** Opens (creating owner-only if missing) a file for writing, e.g. the agent's lock file. */
  public FileChannel openPrivate(Path file) {
    try {
      FileChannel ch =
          FileChannel.open(
              file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), fileAttrs());
      if (posix) {
        Files.setPosixFilePermissions(file, FILE_PERMS);
      }
      return ch;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file, e);
    }
  }

  public Optional<String> readString(Path file) {
    try {
      return Files.exists(file) ? Optional.of(Files.readString(file)) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private FileAttribute<?>[] fileAttrs() {
    return posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_PERMS)}
        : new FileAttribute<?>[0];
  }

  private static void writeFully(FileChannel ch, byte[] content) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(content);
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  private static void moveOver(Path tmp, Path file) throws IOException {
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Makes a rename or a new entry in {@code dir} durable; not possible on Windows, where opening a
   * directory fails, so it does nothing there.
   */
  public static void syncDirectory(Path dir) {
    if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse to fsync a directory; the file content itself is already synced.
    }
  }

  /**
   * Deletes a tree without following links (a link inside it is removed, never what it points to);
   * nothing to do if it does not exist. {@code afterEachFile} runs after each file is deleted: the
   * installer's crash tests stop there.
   */
  public static void deleteTree(Path root, Runnable afterEachFile) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            afterEachFile.run();
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null) {
              throw exc;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
