package dev.shoal.protocol.json;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;

/**
 * Writes the canonical JSON that signatures cover (RFC 8785 style): object keys in ascending UTF-16
 * order, no whitespace, integers only, minimal string escaping, UTF-8 output.
 *
 * <p>The writer enforces key order instead of sorting, so a mistake in an encoder fails loudly
 * rather than silently producing bytes that a verifier would reject as non-canonical.
 */
public final class CanonicalJsonWriter {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out = new StringBuilder(256);
  private final Deque<Scope> scopes = new ArrayDeque<>();

  private static final class Scope {
    final boolean object;
    boolean first = true;
    String lastKey;

    Scope(boolean object) {
      this.object = object;
    }
  }

  public CanonicalJsonWriter beginObject() {
    return begin(true, '{');
  }

  public CanonicalJsonWriter endObject() {
    return end(true, '}');
  }

  public CanonicalJsonWriter beginArray() {
    return begin(false, '[');
  }

  public CanonicalJsonWriter endArray() {
    return end(false, ']');
  }

  /** Starts a member; keys must come in strictly ascending order within an object. */
  public CanonicalJsonWriter name(String key) {
    Scope scope = scopes.peek();
    if (scope == null || !scope.object) {
      throw new IllegalStateException("name outside an object");
    }
    if (scope.lastKey != null && scope.lastKey.compareTo(key) >= 0) {
      throw new IllegalStateException("keys out of canonical order: " + scope.lastKey + ", " + key);
    }
    if (!scope.first) {
      out.append(',');
    }
    scope.first = false;
    scope.lastKey = key;
    appendString(key);
    out.append(':');
    return this;
  }

  public CanonicalJsonWriter value(String s) {
    beforeValue();
    appendString(s);
    return this;
  }

  public CanonicalJsonWriter value(long n) {
    beforeValue();
    out.append(n);
    return this;
  }

  public CanonicalJsonWriter value(byte[] bytes) {
    return value(Base64.getEncoder().encodeToString(bytes));
  }

  /** RFC 3339 UTC with second precision; sub-second instants are a caller bug. */
  public CanonicalJsonWriter value(Instant instant) {
    if (instant.getNano() != 0) {
      throw new IllegalArgumentException("instant has sub-second precision: " + instant);
    }
    return value(DateTimeFormatter.ISO_INSTANT.format(instant));
  }

  public CanonicalJsonWriter nullValue() {
    beforeValue();
    out.append("null");
    return this;
  }

  public CanonicalJsonWriter field(String key, String s) {
    return name(key).value(s);
  }

  public CanonicalJsonWriter field(String key, long n) {
    return name(key).value(n);
  }

  public CanonicalJsonWriter field(String key, byte[] bytes) {
    return name(key).value(bytes);
  }

  public CanonicalJsonWriter field(String key, Instant instant) {
    return instant == null ? name(key).nullValue() : name(key).value(instant);
  }

  public byte[] toBytes() {
    if (!scopes.isEmpty()) {
      throw new IllegalStateException("unclosed object or array");
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void beforeValue() {
    Scope scope = scopes.peek();
    if (scope == null) {
      if (out.length() != 0) {
        throw new IllegalStateException("second top-level value");
      }
      return;
    }
    if (scope.object) {
      // The comma was written by name(); a value must directly follow its name.
      if (out.charAt(out.length() - 1) != ':') {
        throw new IllegalStateException("value without a name");
      }
      return;
    }
    if (!scope.first) {
      out.append(',');
    }
    scope.first = false;
  }

  private CanonicalJsonWriter begin(boolean object, char bracket) {
    beforeValue();
    out.append(bracket);
    scopes.push(new Scope(object));
    return this;
  }

  private CanonicalJsonWriter end(boolean object, char bracket) {
    Scope scope = scopes.poll();
    if (scope == null || scope.object != object) {
      throw new IllegalStateException("mismatched end");
    }
    out.append(bracket);
    return this;
  }

  private void appendString(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> appendOther(s, i, c);
      }
    }
    out.append('"');
  }

  private void appendOther(String s, int i, char c) {
    if (c < 0x20) {
      out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      return;
    }
    if (Character.isSurrogate(c) && !Text.isWellFormed(s)) {
      // UTF-8 cannot carry a lone surrogate; encoding it would silently change the signed bytes.
      throw new IllegalArgumentException("string contains an unpaired surrogate");
    }
    out.append(c);
  }
}
