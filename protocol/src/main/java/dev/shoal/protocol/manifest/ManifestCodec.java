package dev.shoal.protocol.manifest;

import dev.shoal.protocol.ProtocolException;
import dev.shoal.protocol.json.CanonicalJsonWriter;
import dev.shoal.protocol.json.StrictJson;
import dev.shoal.protocol.json.StrictJson.Arr;
import dev.shoal.protocol.json.StrictJson.Obj;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Canonical JSON encoding of {@link ReleaseManifest}. {@link #parse} accepts only the exact bytes
 * {@link #encode} produces, so {@code encode(parse(b))} equals {@code b} whenever parse succeeds.
 */
public final class ManifestCodec {
  private static final String WHAT = "manifest";

  /**
   * The manifest format's version, written into every new manifest. Unknown fields are rejected, so
   * a later format that adds fields bumps this number and old agents refuse it with a clear message
   * instead of misreading it. Format 2: the single-mask chunker and byte-level patches in delta
   * packs.
   */
  public static final int FORMAT = 2;

  /** The oldest format still read: format 1 releases stay installable and usable as bases. */
  public static final int OLDEST_FORMAT = 1;

  private ManifestCodec() {}

  public static byte[] encode(ReleaseManifest m) {
    CanonicalJsonWriter w = new CanonicalJsonWriter().beginObject();
    w.field("channel", m.channel());
    w.name("chunks").beginArray();
    for (ChunkEntry c : m.chunks()) {
      w.beginObject().field("encryptedSize", c.encryptedSize());
      w.field("id", c.id()).field("size", c.size()).endObject();
    }
    w.endArray();
    w.field("contentKeyId", m.contentKeyId());
    w.field("createdAt", m.createdAt());
    w.field("displayVersion", m.displayVersion());
    w.field("expiresAt", m.expiresAt());
    w.name("files").beginArray();
    for (FileEntry f : m.files()) {
      writeFile(w, f);
    }
    w.endArray();
    w.field("format", m.format());
    w.name("packs").beginArray();
    for (PackEntry p : m.packs()) {
      writePack(w, p, m.format());
    }
    w.endArray();
    w.field("product", m.product());
    w.field("signingKeyId", m.signingKeyId());
    w.field("version", m.version());
    return w.endObject().toBytes();
  }

  private static void writeFile(CanonicalJsonWriter w, FileEntry f) {
    w.beginObject();
    writeStrings(w.name("chunkIds"), f.chunkIds());
    w.field("mode", f.mode()).field("path", f.path()).field("sha256", f.sha256());
    w.field("size", f.size()).endObject();
  }

  private static void writePack(CanonicalJsonWriter w, PackEntry p, int format) {
    w.beginObject();
    w.name("baseVersion");
    if (p.baseVersion() == null) {
      w.nullValue();
    } else {
      w.value(p.baseVersion());
    }
    writeStrings(w.name("chunkIds"), p.chunkIds());
    w.field("infoHash", p.infoHash()).field("kind", p.kind());
    if (format >= 2) {
      w.name("patches").beginArray();
      for (PatchEntry patch : p.patches()) {
        w.beginObject();
        writeStrings(w.name("baseChunkIds"), patch.baseChunkIds());
        w.field("chunkId", patch.chunkId()).field("id", patch.id());
        w.field("size", patch.size()).endObject();
      }
      w.endArray();
    }
    writeStrings(w.field("pieceLength", p.pieceLength()).name("pieceSha256"), p.pieceSha256());
    w.field("totalSize", p.totalSize()).endObject();
  }

  private static void writeStrings(CanonicalJsonWriter w, List<String> values) {
    w.beginArray();
    for (String v : values) {
      w.value(v);
    }
    w.endArray();
  }

  public static ReleaseManifest parse(byte[] bytes) {
    return parse(bytes, ManifestLimits.DEFAULT);
  }

  /**
   * Strictly parses canonical manifest bytes. Checks formats and limits, not consistency (see
   * {@link ManifestConsistency}).
   *
   * @throws ProtocolException naming the offending field
   */
  public static ReleaseManifest parse(byte[] bytes, ManifestLimits limits) {
    if (bytes.length > limits.maxPayloadBytes()) {
      throw new ProtocolException(
          WHAT + ": " + bytes.length + " bytes exceeds limit " + limits.maxPayloadBytes());
    }
    Obj o = StrictJson.parseObject(bytes, WHAT);
    int format = requireFormat(o);
    o.requireFields(
        "channel",
        "chunks",
        "contentKeyId",
        "createdAt",
        "displayVersion",
        "expiresAt",
        "files",
        "format",
        "packs",
        "product",
        "signingKeyId",
        "version");
    ReleaseManifest m =
        construct(
            WHAT,
            () ->
                new ReleaseManifest(
                    o.string("product", ReleaseManifest.MAX_TOKEN_LENGTH),
                    o.string("channel", ReleaseManifest.MAX_TOKEN_LENGTH),
                    o.integer("version", 1, Long.MAX_VALUE),
                    o.string("displayVersion", ReleaseManifest.MAX_DISPLAY_VERSION_LENGTH),
                    o.instant("createdAt"),
                    o.instant("expiresAt"),
                    list(o.array("files", limits.maxFiles()), a -> parseFile(a, limits)),
                    list(o.array("chunks", limits.maxChunks()), ManifestCodec::parseChunk),
                    list(o.array("packs", limits.maxPacks()), a -> parsePack(a, limits, format)),
                    o.string("contentKeyId", ReleaseManifest.MAX_KEY_ID_LENGTH),
                    o.string("signingKeyId", 32),
                    format));
    StrictJson.requireCanonical(bytes, encode(m), WHAT);
    return m;
  }

  /**
   * Checked before the fields, so a newer format is named as such rather than as unknown fields.
   */
  private static int requireFormat(Obj o) {
    if (!o.has("format")) {
      return FORMAT; // requireFields reports it missing, together with any other problem
    }
    long format = o.integer("format", 1, Long.MAX_VALUE);
    if (format < OLDEST_FORMAT || format > FORMAT) {
      throw new ProtocolException(
          WHAT
              + ".format: "
              + format
              + " is not supported (this build reads formats "
              + OLDEST_FORMAT
              + ".."
              + FORMAT
              + "; a newer format needs a newer agent)");
    }
    return (int) format;
  }

  private static FileEntry parseFile(Obj o, ManifestLimits limits) {
    o.requireFields("chunkIds", "mode", "path", "sha256", "size");
    return construct(
        o.path(),
        () ->
            new FileEntry(
                o.string("path", SafePath.MAX_LENGTH),
                o.integer("size", 0, Long.MAX_VALUE),
                (int) o.integer("mode", 0, 07777),
                o.string("sha256", 64),
                hexList(o.array("chunkIds", limits.maxListLength()))));
  }

  private static ChunkEntry parseChunk(Obj o) {
    o.requireFields("encryptedSize", "id", "size");
    return construct(
        o.path(),
        () ->
            new ChunkEntry(
                o.string("id", 64),
                o.integer("size", 1, ChunkEntry.MAX_SIZE),
                o.integer("encryptedSize", 0, Long.MAX_VALUE)));
  }

  private static PackEntry parsePack(Obj o, ManifestLimits limits, int format) {
    if (format < 2) {
      o.requireFields(
          "baseVersion", "chunkIds", "infoHash", "kind", "pieceLength", "pieceSha256", "totalSize");
    } else {
      o.requireFields(
          "baseVersion",
          "chunkIds",
          "infoHash",
          "kind",
          "patches",
          "pieceLength",
          "pieceSha256",
          "totalSize");
    }
    List<PatchEntry> patches =
        format < 2
            ? List.of()
            : list(o.array("patches", limits.maxListLength()), ManifestCodec::parsePatch);
    return construct(
        o.path(),
        () ->
            new PackEntry(
                o.string("kind", 8),
                o.nullableInteger("baseVersion", 1, Long.MAX_VALUE),
                o.string("infoHash", 40),
                (int) o.integer("pieceLength", 1, Integer.MAX_VALUE),
                o.integer("totalSize", 0, Long.MAX_VALUE),
                hexList(o.array("pieceSha256", limits.maxListLength())),
                hexList(o.array("chunkIds", limits.maxListLength())),
                patches));
  }

  private static PatchEntry parsePatch(Obj o) {
    o.requireFields("baseChunkIds", "chunkId", "id", "size");
    return construct(
        o.path(),
        () ->
            new PatchEntry(
                o.string("id", 64),
                o.integer("size", 1, PatchEntry.MAX_SIZE),
                o.string("chunkId", 64),
                hexList(o.array("baseChunkIds", PatchEntry.MAX_BASE_CHUNKS))));
  }

  private static List<String> hexList(Arr a) {
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      out.add(a.string(i, 64));
    }
    return out;
  }

  private static <T> List<T> list(Arr a, Function<Obj, T> element) {
    List<T> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      out.add(element.apply(a.object(i)));
    }
    return out;
  }

  /** Turns a record's format complaint into a ProtocolException that names where it was. */
  private static <T> T construct(String where, Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(where + "." + e.getMessage(), e);
    }
  }
}
