package dev.shoal.controlplane.upload;

import static dev.shoal.controlplane.refusal.Refusal.Kind.CONFLICT;
import static dev.shoal.controlplane.refusal.Refusal.Kind.INVALID;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;
import static dev.shoal.controlplane.refusal.Refusal.Kind.TOO_LARGE;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.product.Products;
import dev.shoal.controlplane.refusal.Refusal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Upload sessions: files streamed to {@code <data-dir>/uploads/<id>/files/}, never held in memory,
 * resumable at any byte; or one archive, unpacked when the upload is completed. A completed upload
 * is sealed: read-only input for the release pipeline.
 */
@Service
public class Uploads {

  static final String ARCHIVE = "archive";

  private final JdbcClient jdbc;
  private final Products products;
  private final Path root;
  private final long maxBytes;

  Uploads(JdbcClient jdbc, Products products, ShoalProperties properties) {
    this.jdbc = jdbc;
    this.products = products;
    this.root = properties.dataDir().resolve("uploads").toAbsolutePath().normalize();
    this.maxBytes = properties.upload().maxBytes().toBytes();
  }

  public enum State {
    OPEN,
    SEALED
  }

  public record Upload(
      UUID id,
      UUID productId,
      State state,
      Integer fileCount,
      Long totalBytes,
      OffsetDateTime createdAt,
      OffsetDateTime sealedAt) {}

  /** What is on disk for one path (or the archive): received bytes and the announced total. */
  public record Received(String path, long received, Long total) {}

  /** A sealed upload's files, sorted by path, for the pipeline. */
  public record SealedFiles(Path directory, List<String> paths) {}

  /** A byte range announced by Content-Range; null total means unknown ("*"). */
  record Range(long start, long end, Long total) {}

  public Upload create(UUID organisationId, String productSlug) {
    Products.Product product = products.get(organisationId, productSlug);
    Upload upload =
        jdbc.sql(
                "insert into uploads (product_id, state) values (?, 'OPEN') returning id,"
                    + " product_id, state, file_count, total_bytes, created_at, sealed_at")
            .param(product.id())
            .query(Upload.class)
            .single();
    createDirectories(files(upload.id()));
    return upload;
  }

  /** The upload if it belongs to the organisation; 404 otherwise, whether absent or foreign. */
  public Upload get(UUID organisationId, UUID id) {
    return jdbc.sql(
            "select u.id, u.product_id, u.state, u.file_count, u.total_bytes, u.created_at,"
                + " u.sealed_at from uploads u join products p on p.id = u.product_id"
                + " where u.id = ? and p.organisation_id = ?")
        .params(id, organisationId)
        .query(Upload.class)
        .optional()
        .orElseThrow(() -> new Refusal(NOT_FOUND, "No upload " + id));
  }

  public SealedFiles sealedFiles(UUID organisationId, UUID productId, UUID id) {
    Upload upload = get(organisationId, id);
    if (upload.state() != State.SEALED || !upload.productId().equals(productId)) {
      throw new Refusal(CONFLICT, "Upload " + id + " is not a completed upload of this product");
    }
    return new SealedFiles(files(id), listFiles(files(id)));
  }

  Received received(UUID organisationId, UUID id, String path) {
    get(organisationId, id);
    String checked = path == null ? ARCHIVE : UploadPaths.check(path);
    Path file = path == null ? archive(id) : UploadPaths.resolve(files(id), checked);
    long size = Files.isRegularFile(file) ? size(file) : 0;
    Long total =
        jdbc.sql("select total_size from upload_parts where upload_id = ? and path = ?")
            .params(id, path == null ? "" : checked)
            .query(Long.class)
            .optional()
            .orElse(null);
    return new Received(path == null ? null : checked, size, total);
  }

  /**
   * Streams {@code body} into one file (or the archive when path is null) from the range's start.
   * Bytes that arrived before a dropped connection stay on disk, for the client to resume.
   */
  Received write(UUID organisationId, UUID id, String path, Range range, InputStream body)
      throws IOException {
    Upload upload = get(organisationId, id);
    if (upload.state() != State.OPEN) {
      throw new Refusal(CONFLICT, "Upload " + id + " is completed");
    }
    String checked = path == null ? null : UploadPaths.check(path);
    Path file = path == null ? archive(id) : UploadPaths.resolve(files(id), checked);
    long current = Files.isRegularFile(file) ? size(file) : 0;
    if (range.start() > current) {
      throw new Refusal(
          CONFLICT,
          "Range starts at " + range.start() + " but only " + current + " bytes were received");
    }
    long budget = maxBytes - (usedBytes(id) - current + range.start());
    if (range.total() != null && range.total() - range.start() > budget) {
      throw tooLarge();
    }
    prepareParent(file);
    recordTotal(id, checked == null ? "" : checked, range.total());
    copy(body, file, range.start(), budget);
    return new Received(checked, size(file), range.total());
  }

  /** Unpacks the archive if there is one, checks every file is whole, and seals the upload. */
  Upload complete(UUID organisationId, UUID id) throws IOException {
    Upload upload = get(organisationId, id);
    if (upload.state() == State.SEALED) {
      return upload;
    }
    checkWholeFiles(id);
    if (Files.isRegularFile(archive(id))) {
      unpack(id);
    }
    List<String> paths = listFiles(files(id));
    if (paths.isEmpty()) {
      throw new Refusal(INVALID, "The upload has no files");
    }
    requireDistinctIgnoringCase(paths);
    long total = 0;
    for (String p : paths) {
      total += size(files(id).resolve(p));
    }
    return jdbc.sql(
            "update uploads set state = 'SEALED', sealed_at = now(), file_count = ?,"
                + " total_bytes = ? where id = ? returning id, product_id, state, file_count,"
                + " total_bytes, created_at, sealed_at")
        .params(paths.size(), total, id)
        .query(Upload.class)
        .single();
  }

  private void unpack(UUID id) throws IOException {
    Path staging = root.resolve(id.toString()).resolve("unpacking");
    deleteTree(staging);
    Files.createDirectories(staging);
    try {
      long budget = maxBytes - usedBytes(id) + size(archive(id));
      ArchiveExtractor.extract(archive(id), staging, new HashSet<>(listFiles(files(id))), budget);
      ArchiveExtractor.moveAll(staging, files(id));
    } finally {
      // A refused archive leaves the upload as it was: files and archive untouched, still open.
      deleteTree(staging);
    }
    Files.delete(archive(id));
  }

  private void checkWholeFiles(UUID id) {
    record Part(String path, Long totalSize) {}
    List<Part> parts =
        jdbc.sql("select path, total_size from upload_parts where upload_id = ?")
            .param(id)
            .query(Part.class)
            .list();
    for (Part part : parts) {
      Path file = part.path().isEmpty() ? archive(id) : files(id).resolve(part.path());
      long have = Files.isRegularFile(file) ? size(file) : 0;
      if (part.totalSize() != null && have != part.totalSize()) {
        String what = part.path().isEmpty() ? "the archive" : "'" + part.path() + "'";
        throw new Refusal(
            CONFLICT,
            "Incomplete: " + what + " has " + have + " of " + part.totalSize() + " bytes");
      }
    }
  }

  private static void requireDistinctIgnoringCase(List<String> paths) {
    Set<String> seen = new HashSet<>();
    for (String p : paths) {
      if (!seen.add(p.toLowerCase(Locale.ROOT))) {
        throw new Refusal(INVALID, "Two files differ only in case: '" + p + "'");
      }
    }
  }

  private void copy(InputStream body, Path file, long start, long budget) throws IOException {
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      out.truncate(start);
      out.position(start);
      byte[] buffer = new byte[1 << 16];
      long written = 0;
      int n;
      while ((n = body.read(buffer)) > 0) {
        written += n;
        if (written > budget) {
          throw tooLarge();
        }
        out.write(ByteBuffer.wrap(buffer, 0, n));
      }
      out.force(false);
    }
  }

  private void recordTotal(UUID id, String path, Long total) {
    jdbc.sql(
            "insert into upload_parts (upload_id, path, total_size) values (?, ?, ?)"
                + " on conflict (upload_id, path) do update set total_size = excluded.total_size")
        .params(id, path, total)
        .update();
  }

  private void prepareParent(Path file) {
    try {
      Files.createDirectories(file.getParent());
      if (Files.isDirectory(file)) {
        throw new Refusal(INVALID, "The path names a directory of the upload");
      }
    } catch (FileSystemException e) {
      throw new Refusal(INVALID, "The path runs through a file of the upload");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long usedBytes(UUID id) {
    long used = Files.isRegularFile(archive(id)) ? size(archive(id)) : 0;
    for (String p : listFiles(files(id))) {
      used += size(files(id).resolve(p));
    }
    return used;
  }

  private Refusal tooLarge() {
    return new Refusal(
        TOO_LARGE, "The upload would exceed shoal.upload.max-bytes (" + maxBytes + " bytes)");
  }

  Path files(UUID id) {
    return root.resolve(id.toString()).resolve("files");
  }

  private Path archive(UUID id) {
    return root.resolve(id.toString()).resolve(ARCHIVE);
  }

  private static List<String> listFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      List<String> paths = new ArrayList<>();
      walk.filter(Files::isRegularFile)
          .forEach(p -> paths.add(dir.relativize(p).toString().replace('\\', '/')));
      paths.sort(Comparator.naturalOrder());
      return paths;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
