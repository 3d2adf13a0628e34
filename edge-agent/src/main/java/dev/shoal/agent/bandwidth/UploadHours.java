package dev.shoal.agent.bandwidth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * The daily window in which uploading is allowed, in the player's time zone, start inclusive and
 * end exclusive. A window whose end is before its start wraps midnight (01:00 is inside
 * 23:00–07:00).
 */
public record UploadHours(LocalTime start, LocalTime end) {
  public UploadHours {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (start.equals(end)) {
      throw new IllegalArgumentException(
          "upload hours start and end are equal; leave the hours unset to allow any time");
    }
  }

  /** Parses {@code HH:mm-HH:mm} (an en dash is accepted too). */
  @JsonCreator
  public static UploadHours parse(String text) {
    String[] parts = text.trim().split("\\s*[-\u2013]\\s*");
    if (parts.length != 2) {
      throw new IllegalArgumentException("upload hours must look like 01:00-07:00, got " + text);
    }
    try {
      return new UploadHours(LocalTime.parse(parts[0]), LocalTime.parse(parts[1]));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("upload hours must look like 01:00-07:00, got " + text, e);
    }
  }

  public boolean contains(LocalTime t) {
    if (start.isBefore(end)) {
      return !t.isBefore(start) && t.isBefore(end);
    }
    return !t.isBefore(start) || t.isBefore(end);
  }

  /** Machine form, as accepted by {@link #parse}. */
  @JsonValue
  public String asText() {
    return start + "-" + end;
  }

  /** Human form with an en dash, as shown to the player. */
  @Override
  public String toString() {
    return start + "\u2013" + end;
  }
}
