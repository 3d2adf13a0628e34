package dev.shoal.protocol.json;

import dev.shoal.protocol.ProtocolException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Strict reading of canonical JSON for hostile input: exact field sets, integers only, bounded
 * sizes, and a final byte comparison with the re-encoding so exactly one byte string is accepted
 * per value. Errors name the JSON path of the offending field.
 */
public final class StrictJson {
  /** Our formats are at most a few levels deep; a deep document is an attack, not data. */
  private static final int MAX_DEPTH = 16;

  private static final Pattern RFC3339_UTC_SECONDS =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");

  private static final JsonMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(MAX_DEPTH)
                          // Base64 of a 64 MiB payload is ~90M chars; our readers bound each
                          // field themselves, so this only has to stay above that.
                          .maxStringLength(128_000_000)
                          .maxNumberLength(32)
                          .maxNameLength(64)
                          .build())
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .build();

  private StrictJson() {}

  /** Parses {@code bytes} and requires a top-level object. */
  public static Obj parseObject(byte[] bytes, String what) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw new ProtocolException(what + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ProtocolException(what + ": top level must be a JSON object");
    }
    return new Obj(root, what);
  }

  /** Rejects input whose bytes differ from the canonical encoding of what was parsed from it. */
  public static void requireCanonical(byte[] input, byte[] canonical, String what) {
    if (!Arrays.equals(input, canonical)) {
      throw new ProtocolException(
          what
              + ": not in canonical form (sorted keys, no whitespace, minimal escaping); first"
              + " difference at byte "
              + Arrays.mismatch(input, canonical));
    }
  }

  /** A JSON value and where it is in the document, for the error messages. */
  abstract static sealed class Located permits Obj, Arr {
    final JsonNode node;
    final String path;

    Located(JsonNode node, String path) {
      this.node = node;
      this.path = path;
    }
  }

  /** A JSON object with its path, read field by field. */
  public static final class Obj extends Located {
    Obj(JsonNode node, String path) {
      super(node, path);
    }

    public String path() {
      return path;
    }

    /** Requires exactly these members: no unknown and no missing ones. */
    public Obj requireFields(String... names) {
      Set<String> expected = Set.of(names);
      Set<String> actual = new TreeSet<>(node.propertyNames());
      for (String name : actual) {
        if (!expected.contains(name)) {
          throw fail(path + ": unknown field \"" + abbreviate(name) + "\"");
        }
      }
      for (String name : new TreeSet<>(expected)) {
        if (!actual.contains(name)) {
          throw fail(path + "." + name + ": missing");
        }
      }
      return this;
    }

    public boolean has(String name) {
      return node.get(name) != null;
    }

    public String string(String name, int maxLength) {
      return asString(member(name), path + "." + name, maxLength);
    }

    public long integer(String name, long min, long max) {
      return asInteger(member(name), path + "." + name, min, max);
    }

    /** An integer or JSON null. */
    public Long nullableInteger(String name, long min, long max) {
      JsonNode value = member(name);
      return value.isNull() ? null : asInteger(value, path + "." + name, min, max);
    }

    public Instant instant(String name) {
      return asInstant(member(name), path + "." + name);
    }

    /** An instant or JSON null. */
    public Instant nullableInstant(String name) {
      JsonNode value = member(name);
      return value.isNull() ? null : asInstant(value, path + "." + name);
    }

    public byte[] base64(String name, int maxBytes) {
      String where = path + "." + name;
      String text = asString(member(name), where, (maxBytes + 2) / 3 * 4);
      try {
        return Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        throw fail(where + ": not standard base64");
      }
    }

    public Obj object(String name) {
      JsonNode value = member(name);
      if (!value.isObject()) {
        throw fail(path + "." + name + ": expected an object");
      }
      return new Obj(value, path + "." + name);
    }

    public Arr array(String name, int maxCount) {
      JsonNode value = member(name);
      String where = path + "." + name;
      if (!value.isArray()) {
        throw fail(where + ": expected an array");
      }
      if (value.size() > maxCount) {
        throw fail(where + ": " + value.size() + " elements, limit " + maxCount);
      }
      return new Arr(value, where);
    }

    /** Member names in document order, for map-like objects. */
    public Iterable<String> names(int maxCount) {
      if (node.size() > maxCount) {
        throw fail(path + ": " + node.size() + " members, limit " + maxCount);
      }
      return node.propertyNames();
    }

    private JsonNode member(String name) {
      JsonNode value = node.get(name);
      if (value == null) {
        throw fail(path + "." + name + ": missing");
      }
      return value;
    }
  }

  /** A JSON array with its path. */
  public static final class Arr extends Located {
    Arr(JsonNode node, String path) {
      super(node, path);
    }

    public int size() {
      return node.size();
    }

    public String path(int i) {
      return path + "[" + i + "]";
    }

    public Obj object(int i) {
      JsonNode value = node.get(i);
      if (!value.isObject()) {
        throw fail(path(i) + ": expected an object");
      }
      return new Obj(value, path(i));
    }

    public String string(int i, int maxLength) {
      return asString(node.get(i), path(i), maxLength);
    }
  }

  private static String asString(JsonNode value, String where, int maxLength) {
    if (!value.isString()) {
      throw fail(where + ": expected a string");
    }
    String s = value.stringValue();
    if (s.length() > maxLength) {
      throw fail(where + ": length " + s.length() + " exceeds limit " + maxLength);
    }
    if (!Text.isWellFormed(s)) {
      throw fail(where + ": unpaired surrogate");
    }
    return s;
  }

  private static long asInteger(JsonNode value, String where, long min, long max) {
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw fail(where + ": expected an integer");
    }
    long n = value.longValue();
    if (n < min || n > max) {
      throw fail(where + ": " + n + " outside " + min + ".." + max);
    }
    return n;
  }

  private static Instant asInstant(JsonNode value, String where) {
    String s = asString(value, where, 20);
    if (!RFC3339_UTC_SECONDS.matcher(s).matches()) {
      throw fail(where + ": expected an RFC 3339 UTC timestamp like 2026-01-31T12:00:00Z");
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw fail(where + ": invalid timestamp \"" + s + "\"");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private static ProtocolException fail(String message) {
    return new ProtocolException(message);
  }
}
