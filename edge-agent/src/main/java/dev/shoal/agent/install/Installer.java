package dev.shoal.agent.install;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.install.InstallException.Code;
import dev.shoal.agent.json.Json;
import dev.shoal.protocol.Hex;
import dev.shoal.protocol.ProtocolException;
import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.FileModes;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Installs releases of one product/channel into one install directory, crash-safely.
 *
 * <p>The new version is built in {@code <install>.staging-<v>} next to the install directory,
 * reusing verified chunks of the current install and fetching the rest from a {@link ChunkSource};
 * every file is checked against the manifest (size, SHA-256) and fsync'd. Then, under a journal in
 * {@code <data dir>/installs/}, the install directory is renamed to {@code <install>.old-<v>}, the
 * staging directory to the install directory, the installed state is written, and the old version
 * is deleted. {@link #recover()} (run by {@link #install} and to be run at agent start) completes
 * or rolls back an interrupted switch, so the install directory always holds one complete version.
 */
public final class Installer {
  /** A file of the installed release that does not match the manifest. */
  public record FileProblem(String path, Kind kind) {
    public enum Kind {
      MISSING,
      WRONG
    }
  }

  /** What {@link #recover()} did. */
  public enum Recovery {
    NOTHING_TO_DO,
    ROLLED_BACK,
    COMPLETED
  }

  enum Phase {
    STAGING,
    STAGED,
    SWITCHED
  }

  private final DataDir dataDir;
  private final Path installDir;
  private final String product;
  private final String channel;
  private final Path stateFile;
  private final Path journalFile;
  private final boolean posix;

  /**
   * @param installDir the stable path of the game's files; its parent must exist
   */
  public Installer(DataDir dataDir, Path installDir, String product, String channel) {
    this.dataDir = dataDir;
    this.installDir = installDir.toAbsolutePath().normalize();
    this.product = product;
    this.channel = channel;
    Path installs = dataDir.root().resolve("installs");
    dataDir.ensureDir(installs);
    // product and channel are manifest tokens: [A-Za-z0-9][A-Za-z0-9._:-]*; ':' is not portable.
    String base = (product + "-" + channel).replace(':', '_');
    this.stateFile = installs.resolve(base + ".json");
    this.journalFile = installs.resolve(base + ".journal.json");
    this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  public Path installDir() {
    return installDir;
  }

  Path journalFile() {
    return journalFile;
  }

  /** The installed release, if any. */
  public Optional<ReleaseManifest> installed() throws InstallException {
    try {
      Optional<String> s = dataDir.readString(stateFile);
      if (s.isEmpty()) {
        return Optional.empty();
      }
      JsonNode n = Json.MAPPER.readTree(s.get());
      return Optional.of(decodeManifest(n.get("manifest").asString()));
    } catch (UncheckedIOException e) {
      throw InstallException.fromIo("cannot read " + stateFile, e.getCause());
    } catch (RuntimeException e) {
      throw new InstallException(Code.INTEGRITY, "install state " + stateFile + " unreadable", e);
    }
  }

  /** Where the installed release of this product/channel lives, if one is installed. */
  public Optional<Path> recordedInstallDir() throws InstallException {
    try {
      return dataDir
          .readString(stateFile)
          .map(s -> Path.of(Json.MAPPER.readTree(s).get("installDir").asString()));
    } catch (UncheckedIOException e) {
      throw InstallException.fromIo("cannot read " + stateFile, e.getCause());
    } catch (RuntimeException e) {
      throw new InstallException(Code.INTEGRITY, "install state " + stateFile + " unreadable", e);
    }
  }

  /**
   * Refuses another directory than the one this product/channel is installed in.
   *
   * @throws InstallException CONFLICT
   */
  void requireRecordedInstallDir() throws InstallException {
    Optional<Path> recorded = recordedInstallDir();
    if (recorded.isPresent() && !recorded.get().equals(installDir)) {
      throw new InstallException(
          Code.CONFLICT,
          product
              + "/"
              + channel
              + " is installed in "
              + recorded.get()
              + ", not in "
              + installDir);
    }
  }

  /**
   * Recovers every install that a crash interrupted (one journal each), as the agent starts.
   * Returns the install directories it could not recover, with why.
   */
  public static Map<Path, InstallException> recoverAll(DataDir dataDir) {
    Map<Path, InstallException> failed = new HashMap<>();
    Path installs = dataDir.root().resolve("installs");
    if (!Files.isDirectory(installs)) {
      return failed;
    }
    try (var journals = Files.newDirectoryStream(installs, "*.journal.json")) {
      for (Path journal : journals) {
        Path dir = null;
        try {
          JsonNode j = Json.MAPPER.readTree(Files.readString(journal));
          dir = Path.of(j.get("installDir").asString());
          ReleaseManifest m = decodeManifest(j.get("manifest").asString());
          new Installer(dataDir, dir, m.product(), m.channel()).recover();
        } catch (InstallException e) {
          failed.put(dir == null ? journal : dir, e);
        } catch (IOException | RuntimeException e) {
          failed.put(
              dir == null ? journal : dir,
              new InstallException(Code.INTEGRITY, "journal " + journal + " unreadable", e));
        }
      }
    } catch (IOException e) {
      failed.put(installs, InstallException.fromIo("cannot list " + installs, e));
    }
    return failed;
  }

  /**
   * Installs {@code release} (already verified by the caller) from {@code source}, reusing
   * unchanged chunks of the current install. On failure the current install is left as it was.
   */
  public void install(ReleaseManifest release, ChunkSource source) throws InstallException {
    if (!release.product().equals(product) || !release.channel().equals(channel)) {
      throw new InstallException(
          Code.SIGNATURE,
          "release is for "
              + release.product()
              + "/"
              + release.channel()
              + ", not "
              + product
              + "/"
              + channel);
    }
    recover();
    Optional<ReleaseManifest> current = installed();
    long v = release.version();
    Path staging = stagingDir(v);
    Path old = oldDir(v);
    try {
      // No journal exists now, so nothing refers to these: leftovers of a crash before the journal.
      DataDir.deleteTree(staging, CrashPoints::step);
      DataDir.deleteTree(old, CrashPoints::step);
    } catch (IOException e) {
      throw InstallException.fromIo("cannot clean " + staging, e);
    }
    writeJournal(Phase.STAGING, release);
    CrashPoints.step();
    try {
      buildStaging(release, current.orElse(null), source, staging);
    } catch (InstallException | RuntimeException e) {
      try {
        DataDir.deleteTree(staging, CrashPoints::step);
        deleteJournal();
      } catch (IOException | InstallException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    writeJournal(Phase.STAGED, release);
    CrashPoints.step();
    switchForward(release);
  }

  /**
   * Finishes or rolls back an install interrupted by a crash. Before the staged version was
   * completely verified and recorded ({@code STAGING}) it rolls back; after ({@code STAGED}) it
   * completes, unless the staging directory no longer verifies, in which case it rolls back.
   */
  public Recovery recover() throws InstallException {
    Optional<String> text;
    try {
      text = dataDir.readString(journalFile);
    } catch (UncheckedIOException e) {
      throw InstallException.fromIo("cannot read " + journalFile, e.getCause());
    }
    if (text.isEmpty()) {
      return Recovery.NOTHING_TO_DO;
    }
    Phase phase;
    ReleaseManifest release;
    try {
      JsonNode j = Json.MAPPER.readTree(text.get());
      phase = Phase.valueOf(j.get("phase").asString());
      release = decodeManifest(j.get("manifest").asString());
    } catch (RuntimeException e) {
      throw new InstallException(
          Code.INTEGRITY, "install journal " + journalFile + " unreadable", e);
    }
    Path staging = stagingDir(release.version());
    Path old = oldDir(release.version());
    try {
      switch (phase) {
        case STAGING:
          rollBack(staging, old);
          return Recovery.ROLLED_BACK;
        case STAGED:
          if (Files.exists(staging, LinkOption.NOFOLLOW_LINKS)
              && !verifyTree(staging, release).isEmpty()) {
            rollBack(staging, old);
            return Recovery.ROLLED_BACK;
          }
          switchForward(release);
          return Recovery.COMPLETED;
        case SWITCHED:
          DataDir.deleteTree(old, CrashPoints::step);
          DataDir.syncDirectory(installDir.getParent());
          deleteJournal();
          return Recovery.COMPLETED;
        default:
          throw new IllegalStateException(phase.name());
      }
    } catch (IOException e) {
      throw InstallException.fromIo("recovery of " + installDir, e);
    }
  }

  /** Compares every file of the installed release with the manifest. */
  public List<FileProblem> verify() throws InstallException {
    ReleaseManifest m =
        installed().orElseThrow(() -> new InstallException(Code.IO, "nothing is installed"));
    try {
      return verifyTree(installDir, m);
    } catch (IOException e) {
      throw InstallException.fromIo("cannot verify " + installDir, e);
    }
  }

  /**
   * Re-fetches from {@code source} only the chunks of files that are wrong or missing, rebuilds
   * those files next to their place, verifies and renames them over. Returns what was repaired.
   */
  public List<FileProblem> repair(ChunkSource source) throws InstallException {
    List<FileProblem> problems = verify();
    ReleaseManifest m = installed().orElseThrow();
    Map<String, FileEntry> byPath = new HashMap<>();
    for (FileEntry f : m.files()) {
      byPath.put(f.path(), f);
    }
    Map<String, Long> sizes = chunkSizes(m);
    // Rebuilt files are written outside the install directory (no name clash with game files),
    // on the same file system, and renamed into place once verified.
    Path work = installDir.resolveSibling(installDir.getFileName() + ".repair");
    try {
      DataDir.deleteTree(work, CrashPoints::step);
      Files.createDirectories(work);
      for (FileProblem p : problems) {
        FileEntry f = byPath.get(p.path());
        Path target = resolveInside(installDir, f.path());
        Path tmp = work.resolve("file");
        Files.deleteIfExists(tmp);
        writeFile(tmp, f, sizes, null, source);
        Files.createDirectories(target.getParent());
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        DataDir.syncDirectory(target.getParent());
      }
    } catch (IOException e) {
      throw InstallException.fromIo("cannot repair " + installDir, e);
    } finally {
      try {
        DataDir.deleteTree(work, CrashPoints::step);
      } catch (IOException ignored) {
        // best effort; removed by the next repair
      }
    }
    return problems;
  }

  // ---------------------------------------------------------------- staging

  private record Location(String path, long offset, long size) {}

  private void buildStaging(
      ReleaseManifest release, ReleaseManifest current, ChunkSource source, Path staging)
      throws InstallException {
    Map<String, Location> reuse = new HashMap<>();
    if (current != null) {
      Map<String, Long> oldSizes = chunkSizes(current);
      for (FileEntry f : current.files()) {
        long off = 0;
        for (String id : f.chunkIds()) {
          long size = oldSizes.getOrDefault(id, -1L);
          if (size < 0) {
            break;
          }
          reuse.putIfAbsent(id, new Location(f.path(), off, size));
          off += size;
        }
      }
    }
    Map<String, Long> sizes = chunkSizes(release);
    OldInstall oldInstall = new OldInstall(reuse);
    try {
      Files.createDirectories(staging);
      for (FileEntry f : release.files()) {
        Path target = resolveInside(staging, f.path());
        Files.createDirectories(target.getParent());
        writeFile(target, f, sizes, oldInstall, source);
        CrashPoints.step();
      }
      syncDirs(staging);
    } catch (IOException e) {
      throw InstallException.fromIo("cannot stage " + staging, e);
    }
  }

  /** Reads chunks out of the current install, trusting nothing it has not hashed. */
  private final class OldInstall {
    private final Map<String, Location> index;
    private final Path realRoot;

    OldInstall(Map<String, Location> index) {
      this.index = index;
      Path r = null;
      try {
        r = installDir.toRealPath();
      } catch (IOException e) {
        // no current install
      }
      this.realRoot = r;
    }

    byte[] chunk(String id) {
      Location loc = index.get(id);
      if (loc == null || realRoot == null) {
        return null;
      }
      try {
        Path p = resolveInside(installDir, loc.path());
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
            || !p.toRealPath().startsWith(realRoot)) {
          return null;
        }
        byte[] b = new byte[(int) loc.size()];
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
          ByteBuffer buf = ByteBuffer.wrap(b);
          long pos = loc.offset();
          while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
              return null;
            }
            pos += n;
          }
        }
        return Hex.encode(sha256().digest(b)).equals(id) ? b : null;
      } catch (IOException | InstallException e) {
        return null;
      }
    }
  }

  private void writeFile(
      Path target, FileEntry f, Map<String, Long> sizes, OldInstall oldInstall, ChunkSource source)
      throws IOException, InstallException {
    MessageDigest whole = sha256();
    long written = 0;
    try (FileChannel out =
        FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (String id : f.chunkIds()) {
        byte[] b = oldInstall == null ? null : oldInstall.chunk(id);
        if (b == null) {
          b = fetch(source, id);
        }
        Long expected = sizes.get(id);
        if (expected == null || expected != b.length) {
          throw new InstallException(
              Code.INTEGRITY, "chunk " + id + ": size " + b.length + " not in the manifest");
        }
        whole.update(b);
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
          out.write(buf);
        }
        written += b.length;
        CrashPoints.step();
      }
      out.force(true);
    }
    String sha = Hex.encode(whole.digest());
    if (written != f.size() || !sha.equals(f.sha256())) {
      throw new InstallException(
          Code.INTEGRITY, f.path() + ": built file does not match the manifest (size or SHA-256)");
    }
    setMode(target, f.mode());
  }

  private static byte[] fetch(ChunkSource source, String id) throws InstallException {
    byte[] b;
    try {
      b = source.chunk(id);
    } catch (ProtocolException e) {
      throw new InstallException(Code.INTEGRITY, "chunk " + id + ": " + e.getMessage(), e);
    } catch (IOException e) {
      InstallException ie = InstallException.fromIo("chunk " + id, e);
      if (ie.code() == Code.IO) {
        throw new InstallException(Code.NETWORK, ie.getMessage(), e); // the chunk is unavailable
      }
      throw ie;
    }
    if (b == null || !Hex.encode(sha256().digest(b)).equals(id)) {
      throw new InstallException(Code.INTEGRITY, "chunk " + id + ": SHA-256 does not match its id");
    }
    return b;
  }

  private void setMode(Path file, int mode) throws IOException {
    if (!posix) {
      return;
    }
    Set<PosixFilePermission> perms = FileModes.permissions(mode);
    Files.setPosixFilePermissions(file, perms);
  }

  // ---------------------------------------------------------------- switch and recovery

  private void switchForward(ReleaseManifest release) throws InstallException {
    Path staging = stagingDir(release.version());
    Path old = oldDir(release.version());
    Path parent = installDir.getParent();
    try {
      if (Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.exists(installDir, LinkOption.NOFOLLOW_LINKS)) {
          move(installDir, old);
          DataDir.syncDirectory(parent);
          CrashPoints.step();
        }
        move(staging, installDir);
        DataDir.syncDirectory(parent);
        CrashPoints.step();
      }
      writeState(release);
      CrashPoints.step();
      writeJournal(Phase.SWITCHED, release);
      CrashPoints.step();
      DataDir.deleteTree(old, CrashPoints::step);
      DataDir.syncDirectory(parent);
      deleteJournal();
      CrashPoints.step();
    } catch (IOException e) {
      throw InstallException.fromIo("cannot switch " + installDir + " to " + staging, e);
    }
  }

  private void rollBack(Path staging, Path old) throws IOException, InstallException {
    if (!Files.exists(installDir, LinkOption.NOFOLLOW_LINKS)
        && Files.exists(old, LinkOption.NOFOLLOW_LINKS)) {
      move(old, installDir);
      DataDir.syncDirectory(installDir.getParent());
    }
    DataDir.deleteTree(staging, CrashPoints::step);
    DataDir.syncDirectory(installDir.getParent());
    deleteJournal();
  }

  private List<FileProblem> verifyTree(Path root, ReleaseManifest m)
      throws IOException, InstallException {
    List<FileProblem> problems = new ArrayList<>();
    for (FileEntry f : m.files()) {
      Path p = resolveInside(root, f.path());
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        problems.add(new FileProblem(f.path(), FileProblem.Kind.MISSING));
        continue;
      }
      if (Files.size(p) != f.size() || !sha256(p).equals(f.sha256())) {
        problems.add(new FileProblem(f.path(), FileProblem.Kind.WRONG));
      }
    }
    return problems;
  }

  // ---------------------------------------------------------------- state and journal

  private void writeState(ReleaseManifest release) throws InstallException {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("product", product);
    n.put("channel", channel);
    n.put("version", release.version());
    n.put("displayVersion", release.displayVersion());
    n.put("installDir", installDir.toString());
    n.put("manifest", encodeManifest(release));
    write(stateFile, n);
  }

  private void writeJournal(Phase phase, ReleaseManifest release) throws InstallException {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("phase", phase.name());
    n.put("version", release.version());
    n.put("installDir", installDir.toString());
    n.put("staging", stagingDir(release.version()).toString());
    n.put("old", oldDir(release.version()).toString());
    n.put("manifest", encodeManifest(release));
    write(journalFile, n);
  }

  private void write(Path file, ObjectNode n) throws InstallException {
    try {
      dataDir.writeAtomically(file, Json.MAPPER.writeValueAsString(n));
    } catch (UncheckedIOException e) {
      throw InstallException.fromIo("cannot write " + file, e.getCause());
    }
  }

  private void deleteJournal() throws InstallException {
    try {
      Files.deleteIfExists(journalFile);
      DataDir.syncDirectory(journalFile.getParent());
    } catch (IOException e) {
      throw InstallException.fromIo("cannot delete " + journalFile, e);
    }
  }

  private static String encodeManifest(ReleaseManifest m) {
    return Base64.getEncoder().encodeToString(ManifestCodec.encode(m));
  }

  private static ReleaseManifest decodeManifest(String b64) {
    return ManifestCodec.parse(Base64.getDecoder().decode(b64));
  }

  // ---------------------------------------------------------------- paths and files

  Path stagingDir(long version) {
    return installDir.resolveSibling(installDir.getFileName() + ".staging-" + version);
  }

  Path oldDir(long version) {
    return installDir.resolveSibling(installDir.getFileName() + ".old-" + version);
  }

  /**
   * {@code root}/{@code relative}, refusing anything that could leave {@code root}: absolute paths,
   * drive letters, backslashes, empty, {@code .} and {@code ..} segments.
   */
  static Path resolveInside(Path root, String relative) throws InstallException {
    if (relative == null
        || relative.isEmpty()
        || relative.startsWith("/")
        || relative.indexOf('\\') >= 0
        || relative.indexOf(':') >= 0
        || relative.indexOf('\0') >= 0) {
      throw unsafe(relative);
    }
    for (String seg : relative.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
        throw unsafe(relative);
      }
    }
    Path base = root.toAbsolutePath().normalize();
    Path p = base.resolve(relative).normalize();
    if (!p.startsWith(base) || p.equals(base)) {
      throw unsafe(relative);
    }
    return p;
  }

  private static InstallException unsafe(String relative) {
    return new InstallException(
        Code.UNSAFE_PATH, "path " + relative + " would leave the install directory; refused");
  }

  private static Map<String, Long> chunkSizes(ReleaseManifest m) {
    Map<String, Long> sizes = new HashMap<>();
    for (ChunkEntry c : m.chunks()) {
      sizes.put(c.id(), c.size());
    }
    return sizes;
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("atomic rename not supported from " + from + " to " + to, e);
    }
  }

  private void syncDirs(Path root) throws IOException {
    List<Path> dirs = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
            dirs.add(dir);
            return FileVisitResult.CONTINUE;
          }
        });
    for (Path d : dirs) {
      DataDir.syncDirectory(d);
    }
    DataDir.syncDirectory(root.getParent());
  }

  static String sha256(Path file) throws IOException {
    MessageDigest md = sha256();
    byte[] buf = new byte[1 << 16];
    try (var in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return Hex.encode(md.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
