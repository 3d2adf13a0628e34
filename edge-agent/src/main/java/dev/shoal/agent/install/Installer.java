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
import dev.shoal.protocol.manifest.PatchEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.patch.ChunkPatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileStore;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Installs releases of one product/channel into one install directory, crash-safely.
 *
 * <p>An update into an existing install directory writes only what changed ({@link UpdatePlan}):
 * the changed and new files are built in {@code <install>/.shoal-update-<v>/} (the same file
 * system), reusing verified chunks of the current install and fetching the rest from a {@link
 * ChunkSource}; every built file is checked against the manifest (size, SHA-256) and fsync'd. Then,
 * under a journal in {@code <data dir>/installs/}, each changed file's old version is renamed into
 * that directory and the new one into its place, deleted files are moved there too, the installed
 * state is written, and the directory is deleted. Files the manifests say are unchanged are not
 * touched, nor is anything neither manifest lists.
 *
 * <p>A fresh install (no install directory yet) is built whole in {@code <install>.staging-<v>}
 * next to it and renamed into place; so is an update whose files clash with directories (a file
 * became a directory or the reverse), the install directory being renamed to {@code
 * <install>.old-<v>} first.
 *
 * <p>{@link #recover()} (run by {@link #install} and to be run at agent start) completes or rolls
 * back an interrupted switch, so the install always holds one complete version.
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

  static final String WORK_PREFIX = ".shoal-update-";

  /** Smaller files are copied: a clone saves little there. */
  static final long CLONE_MIN_BYTES = 1 << 20;

  private final DataDir dataDir;
  private final Path installDir;
  private final String product;
  private final String channel;
  private final Path stateFile;
  private final Path journalFile;
  private final boolean posix;
  private final DiskSpace diskSpace;
  private int clonedFiles;

  /** The patches of the delta pack being installed, by the chunk each produces. */
  private Map<String, PatchEntry> patches = Map.of();

  /**
   * @param installDir the stable path of the game's files; its parent must exist
   */
  public Installer(DataDir dataDir, Path installDir, String product, String channel) {
    this(dataDir, installDir, product, channel, DiskSpace::usableSpace);
  }

  /** With {@code usableSpace} telling the free bytes of a file system (tests fake a full disk). */
  Installer(
      DataDir dataDir,
      Path installDir,
      String product,
      String channel,
      ToLongFunction<FileStore> usableSpace) {
    this.diskSpace = new DiskSpace(usableSpace);
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
   * A first install goes into an absent or empty directory only. A launcher or player that points
   * it at {@code ~/Games} or {@code ~} must not have their own files overwritten by the game's, and
   * later deleted by an uninstall; Shoal's own work directories (a first install interrupted before
   * its switch) do not count.
   */
  void requireNoForeignFiles() throws InstallException {
    if (!Files.isDirectory(installDir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> entries = Files.list(installDir)) {
      Optional<String> foreign =
          entries
              .map(p -> p.getFileName().toString())
              .filter(name -> !name.startsWith(WORK_PREFIX))
              .findFirst();
      if (foreign.isPresent()) {
        throw new InstallException(
            Code.DIRECTORY_NOT_EMPTY,
            installDir
                + " already holds files Shoal did not write (such as '"
                + foreign.get()
                + "'); install into a new or empty directory");
      }
    } catch (IOException e) {
      throw InstallException.fromIo("cannot list " + installDir, e);
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
    install(release, source, List.of());
  }

  /**
   * Installs {@code release} from a delta pack {@code source} that ships some chunks as {@code
   * patches} against chunks of the installed release: each is applied while its file is written
   * (old chunks read from the install and hashed, result checked against the chunk id), so no file
   * is ever held in memory.
   */
  public void install(ReleaseManifest release, ChunkSource source, List<PatchEntry> patches)
      throws InstallException {
    Map<String, PatchEntry> byChunk = new HashMap<>();
    patches.forEach(p -> byChunk.put(p.chunkId(), p));
    this.patches = byChunk;
    try {
      installVerified(release, source);
    } finally {
      this.patches = Map.of();
    }
  }

  private void installVerified(ReleaseManifest release, ChunkSource source)
      throws InstallException {
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
    UpdatePlan plan = plan(release, current.orElse(null));
    diskSpace.require(Map.of(installSpaceDir(), plan.bytesToWrite(release)));
    if (plan.inPlace()) {
      updateInPlace(release, current.orElse(null), plan, source);
    } else {
      installStaged(release, current.orElse(null), source);
    }
  }

  private void installStaged(ReleaseManifest release, ReleaseManifest current, ChunkSource source)
      throws InstallException {
    Path staging = stagingDir(release.version());
    try {
      // No journal exists now, so nothing refers to these: leftovers of a crash before the journal.
      DataDir.deleteTree(staging, CrashPoints::step);
      DataDir.deleteTree(oldDir(release.version()), CrashPoints::step);
    } catch (IOException e) {
      throw InstallException.fromIo("cannot clean " + staging, e);
    }
    UpdatePlan plan = UpdatePlan.whole(release);
    buildUnderJournal(
        release, plan, staging, () -> buildStaging(release, current, source, staging));
    switchForward(release, plan);
  }

  /** Builds the changed and new files inside the install directory and switches them in. */
  private void updateInPlace(
      ReleaseManifest release, ReleaseManifest current, UpdatePlan plan, ChunkSource source)
      throws InstallException {
    Path work = workDir(release.version());
    // No journal exists now, so nothing refers to work directories: leftovers of a crash before
    // the journal was written.
    try (var leftovers = Files.newDirectoryStream(installDir, WORK_PREFIX + "*")) {
      for (Path leftover : leftovers) {
        DataDir.deleteTree(leftover, CrashPoints::step);
      }
    } catch (IOException e) {
      throw InstallException.fromIo("cannot clean " + work, e);
    }
    buildUnderJournal(release, plan, work, () -> buildChanged(release, current, plan, source));
    // A file that cannot take its place (a name too long, no permission): the old version back.
    try {
      new FileSwitch(installDir, release, plan).switchIn();
    } catch (IOException e) {
      throw rolledBack(release, plan, InstallException.fromIo("cannot switch " + installDir, e));
    } catch (InstallException e) {
      throw rolledBack(release, plan, e);
    }
    switchForward(release, plan);
  }

  /** Rolls a switch that failed back and returns why it failed. */
  private InstallException rolledBack(
      ReleaseManifest release, UpdatePlan plan, InstallException failure) {
    try {
      rollBack(release, plan, true);
    } catch (IOException | InstallException cleanup) {
      failure.addSuppressed(cleanup);
    }
    return failure;
  }

  @FunctionalInterface
  private interface Build {
    void run() throws InstallException;
  }

  /**
   * Runs {@code build} between the {@code STAGING} and {@code STAGED} journal entries; when it
   * fails, deletes what it built in {@code dir} and the journal, so the old version stays as it
   * was.
   */
  private void buildUnderJournal(ReleaseManifest release, UpdatePlan plan, Path dir, Build build)
      throws InstallException {
    writeJournal(Phase.STAGING, release, plan);
    CrashPoints.step();
    try {
      build.run();
    } catch (InstallException | RuntimeException e) {
      try {
        DataDir.deleteTree(dir, CrashPoints::step);
        deleteJournal();
      } catch (IOException | InstallException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    writeJournal(Phase.STAGED, release, plan);
    CrashPoints.step();
  }

  // ---------------------------------------------------------------- planning and space

  /** What installing {@code release} over {@code current} writes. */
  UpdatePlan plan(ReleaseManifest release, ReleaseManifest current) throws InstallException {
    return UpdatePlan.of(installDir, release, current);
  }

  /**
   * Refuses ({@code DISK_FULL}) before anything is downloaded when the disk cannot take the update:
   * the files it writes into the install's file system, plus what is left to download of {@code
   * packFile} ({@code packBytes} in all) into the cache's.
   */
  public void requireSpace(ReleaseManifest release, Path packFile, long packBytes)
      throws InstallException {
    UpdatePlan plan = plan(release, installed().orElse(null));
    long have = 0;
    try {
      if (Files.isRegularFile(packFile)) {
        have = Files.size(packFile);
      }
    } catch (IOException e) {
      // counted as not downloaded yet
    }
    Map<Path, Long> needs = new LinkedHashMap<>();
    needs.put(installSpaceDir(), plan.bytesToWrite(release));
    needs.merge(packFile.getParent(), Math.max(0, packBytes - have), Long::sum);
    diskSpace.require(needs);
  }

  /** Where the install's bytes land: the install directory, or its parent before it exists. */
  private Path installSpaceDir() {
    return Files.isDirectory(installDir) ? installDir : installDir.getParent();
  }

  /**
   * Finishes or rolls back an install interrupted by a crash. Before the new files were completely
   * verified and recorded ({@code STAGING}) it rolls back; after ({@code STAGED}) it completes,
   * unless a new file no longer verifies, in which case it rolls back.
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
    UpdatePlan plan;
    try {
      JsonNode j = Json.MAPPER.readTree(text.get());
      phase = Phase.valueOf(j.get("phase").asString());
      release = decodeManifest(j.get("manifest").asString());
      plan = readPlan(j, release);
    } catch (RuntimeException e) {
      throw new InstallException(
          Code.INTEGRITY, "install journal " + journalFile + " unreadable", e);
    }
    try {
      switch (phase) {
        case STAGING:
          rollBack(release, plan, false);
          return Recovery.ROLLED_BACK;
        case STAGED:
          if (!stagedFilesVerify(release, plan)) {
            rollBack(release, plan, true);
            return Recovery.ROLLED_BACK;
          }
          switchForward(release, plan);
          return Recovery.COMPLETED;
        case SWITCHED:
          finishSwitch(release, plan);
          return Recovery.COMPLETED;
        default:
          throw new IllegalStateException(phase.name());
      }
    } catch (IOException e) {
      throw InstallException.fromIo("recovery of " + installDir, e);
    }
  }

  /** Whether every new file built for {@code plan}, still aside or switched in, matches. */
  private boolean stagedFilesVerify(ReleaseManifest release, UpdatePlan plan)
      throws IOException, InstallException {
    if (!plan.inPlace()) {
      Path staging = stagingDir(release.version());
      return !Files.exists(staging, LinkOption.NOFOLLOW_LINKS)
          || verifyTree(staging, release).isEmpty();
    }
    return new FileSwitch(installDir, release, plan).builtFilesMatch();
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
    Map<String, Long> sizes = chunkSizes(release);
    OldInstall oldInstall = new OldInstall(reuseIndex(current));
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

  /** Where each chunk of the current release lies in the install directory. */
  private static Map<String, Location> reuseIndex(ReleaseManifest current) {
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
    return reuse;
  }

  /** Builds the plan's changed and new files in its work directory, inside the install. */
  private void buildChanged(
      ReleaseManifest release, ReleaseManifest current, UpdatePlan plan, ChunkSource source)
      throws InstallException {
    FileSwitch files = new FileSwitch(installDir, release, plan);
    Path work = files.work();
    Map<String, Long> sizes = chunkSizes(release);
    OldInstall oldInstall = new OldInstall(reuseIndex(current));
    Map<String, FileEntry> oldFiles = new HashMap<>();
    Map<String, Long> oldSizes = current == null ? Map.of() : chunkSizes(current);
    if (current != null) {
      current.files().forEach(f -> oldFiles.put(f.path(), f));
    }
    try {
      Files.createDirectories(work);
      DataDir.syncDirectory(installDir);
      for (int i : plan.changed()) {
        FileEntry f = release.files().get(i);
        Path built = files.built(i);
        FileEntry old = oldFiles.get(f.path());
        if (old == null || !buildByClone(built, f, old, oldSizes, sizes, oldInstall, source)) {
          writeFile(built, f, sizes, oldInstall, source);
        }
        CrashPoints.step();
      }
      DataDir.syncDirectory(work);
    } catch (IOException e) {
      throw InstallException.fromIo("cannot build the update in " + work, e);
    }
  }

  /**
   * Where the file system can clone (XFS, btrfs): builds {@code f} as a clone of its old version
   * {@code old}, rewriting only the chunks that are not the same at the same offset, then checks
   * the whole file. Returns false, leaving nothing at {@code built}, when it cannot clone or the
   * result does not match (a damaged old file): the caller then builds the file chunk by chunk.
   */
  private boolean buildByClone(
      Path built,
      FileEntry f,
      FileEntry old,
      Map<String, Long> oldSizes,
      Map<String, Long> sizes,
      OldInstall oldInstall,
      ChunkSource source)
      throws IOException, InstallException {
    Path oldFile = resolveInside(installDir, old.path());
    if (old.size() < CLONE_MIN_BYTES
        || !Files.isRegularFile(oldFile, LinkOption.NOFOLLOW_LINKS)
        || !oldFile.toRealPath().startsWith(installDir.toRealPath())
        || !FileClone.tryClone(oldFile, built)) {
      return false;
    }
    Map<Long, String> oldAt = new HashMap<>();
    long off = 0;
    for (String id : old.chunkIds()) {
      oldAt.put(off, id);
      off += oldSizes.getOrDefault(id, 0L);
    }
    off = 0;
    try (FileChannel out = FileChannel.open(built, StandardOpenOption.WRITE)) {
      for (String id : f.chunkIds()) {
        Long size = sizes.get(id);
        if (size != null && id.equals(oldAt.get(off))) {
          off += size; // the same bytes at the same place: shared with the old version
          continue;
        }
        byte[] b = chunk(id, sizes, oldInstall, source);
        ByteBuffer buf = ByteBuffer.wrap(b);
        long pos = off;
        while (buf.hasRemaining()) {
          pos += out.write(buf, pos);
        }
        off += b.length;
        CrashPoints.step();
      }
      out.truncate(off);
      out.force(true);
    }
    if (!matches(built, f)) {
      Files.delete(built);
      return false;
    }
    setMode(built, f.mode());
    clonedFiles++;
    return true;
  }

  /** How many files this installer built as clones of their old versions (tests). */
  int clonedFiles() {
    return clonedFiles;
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

    /** The size the current release gives the chunk, or null if it has no such chunk. */
    Long size(String id) {
      Location loc = index.get(id);
      return loc == null ? null : loc.size();
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
        byte[] b = chunk(id, sizes, oldInstall, source);
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

  /**
   * A chunk from the current install if it is there intact, else from its patch in the source
   * applied to chunks of the current install, else from the source; checked.
   */
  private byte[] chunk(
      String id, Map<String, Long> sizes, OldInstall oldInstall, ChunkSource source)
      throws InstallException {
    byte[] b = oldInstall == null ? null : oldInstall.chunk(id);
    if (b == null) {
      PatchEntry patch = patches.get(id);
      b = patch == null ? fetch(source, id) : patched(patch, sizes, oldInstall, source);
    }
    Long expected = sizes.get(id);
    if (expected == null || expected != b.length) {
      throw new InstallException(
          Code.INTEGRITY, "chunk " + id + ": size " + b.length + " not in the manifest");
    }
    return b;
  }

  /** Applies {@code patch} to its base chunks read (and hashed) from the current install. */
  private static byte[] patched(
      PatchEntry patch, Map<String, Long> sizes, OldInstall oldInstall, ChunkSource source)
      throws InstallException {
    String id = patch.chunkId();
    Long size = sizes.get(id);
    if (size == null) {
      throw new InstallException(Code.INTEGRITY, "patch " + patch.id() + ": chunk not in release");
    }
    // One array, filled chunk by chunk: the dictionary is in memory once (the agent's heap is
    // small), at most 16 MiB.
    long length = 0;
    for (String baseId : patch.baseChunkIds()) {
      Long baseSize = oldInstall == null ? null : oldInstall.size(baseId);
      if (baseSize == null) {
        throw notIntact(id, baseId);
      }
      length += baseSize;
    }
    if (length < 1 || length > ChunkPatch.MAX_DICTIONARY) {
      throw new InstallException(
          Code.INTEGRITY, "patch " + patch.id() + ": base chunks of " + length + " bytes");
    }
    byte[] dictionary = ChunkPatch.newDictionary((int) length);
    int at = ChunkPatch.DICTIONARY_START;
    for (String baseId : patch.baseChunkIds()) {
      byte[] part = oldInstall.chunk(baseId);
      if (part == null) {
        throw notIntact(id, baseId);
      }
      System.arraycopy(part, 0, dictionary, at, part.length);
      at += part.length;
    }
    byte[] delta = fetch(source, patch.id()); // the decryption checked the patch's SHA-256
    byte[] b;
    try {
      b = ChunkPatch.apply(dictionary, delta, Math.toIntExact(size));
    } catch (ProtocolException e) {
      throw new InstallException(Code.INTEGRITY, "chunk " + id + ": " + e.getMessage(), e);
    }
    if (!Hex.encode(sha256().digest(b)).equals(id)) {
      throw new InstallException(
          Code.INTEGRITY, "chunk " + id + ": patch result's SHA-256 does not match its id");
    }
    return b;
  }

  private static InstallException notIntact(String id, String baseId) {
    return new InstallException(
        Code.NETWORK,
        "chunk " + id + ": base chunk " + baseId + " of its patch is not intact in the install");
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

  private void switchForward(ReleaseManifest release, UpdatePlan plan) throws InstallException {
    try {
      if (plan.inPlace()) {
        new FileSwitch(installDir, release, plan).switchIn();
      } else {
        switchDirectoryIn(release);
      }
      writeState(release);
      CrashPoints.step();
      writeJournal(Phase.SWITCHED, release, plan);
      CrashPoints.step();
      finishSwitch(release, plan);
    } catch (IOException e) {
      throw InstallException.fromIo("cannot switch " + installDir + " to " + release.version(), e);
    }
  }

  private void switchDirectoryIn(ReleaseManifest release) throws IOException {
    Path staging = stagingDir(release.version());
    Path parent = installDir.getParent();
    if (Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.exists(installDir, LinkOption.NOFOLLOW_LINKS)) {
        move(installDir, oldDir(release.version()));
        DataDir.syncDirectory(parent);
        CrashPoints.step();
      }
      move(staging, installDir);
      DataDir.syncDirectory(parent);
      CrashPoints.step();
    }
  }

  /** After the state records the new version: deletes the old version's files. */
  private void finishSwitch(ReleaseManifest release, UpdatePlan plan)
      throws IOException, InstallException {
    if (plan.inPlace()) {
      new FileSwitch(installDir, release, plan).finish();
    } else {
      DataDir.deleteTree(oldDir(release.version()), CrashPoints::step);
      DataDir.syncDirectory(installDir.getParent());
    }
    deleteJournal();
    CrashPoints.step();
  }

  /** Puts the old version back and forgets the install; {@code switching} after {@code STAGED}. */
  private void rollBack(ReleaseManifest release, UpdatePlan plan, boolean switching)
      throws IOException, InstallException {
    if (plan.inPlace()) {
      new FileSwitch(installDir, release, plan).rollBack(switching);
    } else {
      rollBackDirectory(release);
    }
    deleteJournal();
  }

  private void rollBackDirectory(ReleaseManifest release) throws IOException, InstallException {
    Path old = oldDir(release.version());
    if (!Files.exists(installDir, LinkOption.NOFOLLOW_LINKS)
        && Files.exists(old, LinkOption.NOFOLLOW_LINKS)) {
      move(old, installDir);
      DataDir.syncDirectory(installDir.getParent());
    }
    DataDir.deleteTree(stagingDir(release.version()), CrashPoints::step);
    DataDir.syncDirectory(installDir.getParent());
  }

  static boolean matches(Path p, FileEntry f) throws IOException {
    return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
        && Files.size(p) == f.size()
        && sha256(p).equals(f.sha256());
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
      if (!matches(p, f)) {
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

  private void writeJournal(Phase phase, ReleaseManifest release, UpdatePlan plan)
      throws InstallException {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("phase", phase.name());
    n.put("version", release.version());
    n.put("installDir", installDir.toString());
    if (plan.inPlace()) {
      n.put("work", workDir(release.version()).toString());
      ArrayNode changed = n.putArray("changed");
      for (int i : plan.changed()) {
        changed.add(i);
      }
      ArrayNode deleted = n.putArray("deleted");
      for (String path : plan.deleted()) {
        deleted.add(path);
      }
    } else {
      n.put("staging", stagingDir(release.version()).toString());
      n.put("old", oldDir(release.version()).toString());
    }
    n.put("manifest", encodeManifest(release));
    write(journalFile, n);
  }

  /** The plan a journal recorded; a journal without one (older agents) staged the whole release. */
  private static UpdatePlan readPlan(JsonNode j, ReleaseManifest release) {
    if (!j.has("changed")) {
      return UpdatePlan.whole(release);
    }
    List<Integer> changed = new ArrayList<>();
    for (JsonNode i : j.get("changed")) {
      int index = i.asInt();
      if (index < 0 || index >= release.files().size()) {
        throw new IllegalArgumentException("file index " + index + " outside the manifest");
      }
      changed.add(index);
    }
    List<String> deleted = new ArrayList<>();
    for (JsonNode p : j.get("deleted")) {
      deleted.add(p.asString());
    }
    return new UpdatePlan(true, changed, deleted);
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

  /** Where an in-place update builds new files and puts old ones aside: inside the install. */
  Path workDir(long version) {
    return FileSwitch.workDir(installDir, version);
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

  static void move(Path from, Path to) throws IOException {
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
