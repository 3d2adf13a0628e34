package dev.shoal.controlplane.consent;

import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.refusal.Refusal.FieldProblem;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an agent's consent record strictly: a JSON object with exactly the nine fields of the
 * agent's {@code ConsentRecord}, each checked, no duplicate keys, nothing after it. Every problem
 * found is reported at once, by field.
 */
final class ConsentRecords {

  static final Set<String> SCOPES = Set.of("DOWNLOAD_FROM_PEERS", "UPLOAD_TO_PEERS");
  static final Set<String> DECISIONS = Set.of("GRANTED", "WITHDRAWN");
  static final Set<String> ASKED_WHERE = Set.of("INSTALLER", "LAUNCHER", "SETTINGS", "CLI");
  static final List<String> FIELDS =
      List.of(
          "deviceId",
          "scope",
          "decision",
          "at",
          "askedWhere",
          "textId",
          "textVersion",
          "textLocale",
          "textSha256");
  static final List<String> TEXT_FIELDS =
      List.of("textId", "textVersion", "textLocale", "textSha256");

  /** Nothing the agent could have written before consent existed in Shoal. */
  static final Instant EARLIEST = Instant.parse("2020-01-01T00:00:00Z");

  private static final Pattern DEVICE_ID = Pattern.compile("d-[0-9a-f]{32}");
  private static final Pattern TEXT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern LOCALE = Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_TEXT_VERSION = 1_000_000;

  /** A record as the agent sent it; the text fields are all null or all set. */
  record ConsentRecord(
      String deviceId,
      String scope,
      String decision,
      Instant at,
      String askedWhere,
      String textId,
      Integer textVersion,
      String textLocale,
      String textSha256) {}

  private final ObjectReader reader;
  private final Duration maxClockSkew;

  ConsentRecords(JsonMapper json, Duration maxClockSkew) {
    this.reader =
        json.reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.maxClockSkew = maxClockSkew;
  }

  /** The record, or a 400 validation problem listing every bad field. */
  ConsentRecord parse(byte[] body, Instant now) {
    JsonNode node;
    try {
      node = reader.readTree(body);
    } catch (JacksonException e) {
      throw Refusal.invalidField("body", "must be one JSON object without duplicate keys");
    }
    if (node == null || !node.isObject()) {
      throw Refusal.invalidField("body", "must be a JSON object");
    }
    List<FieldProblem> problems = new ArrayList<>();
    for (String name : node.propertyNames()) {
      if (!FIELDS.contains(name)) {
        problems.add(new FieldProblem(name, "is not a field of a consent record"));
      }
    }
    for (String name : FIELDS) {
      if (!node.has(name)) {
        problems.add(new FieldProblem(name, "is missing"));
      }
    }
    String deviceId =
        text(node, "deviceId", DEVICE_ID, "must be a device id (d- and 32 hex)", problems);
    String scope = oneOf(node, "scope", SCOPES, problems);
    String decision = oneOf(node, "decision", DECISIONS, problems);
    Instant at = instant(node, now, problems);
    String askedWhere = oneOf(node, "askedWhere", ASKED_WHERE, problems);
    boolean textGiven = TEXT_FIELDS.stream().anyMatch(f -> node.has(f) && !node.get(f).isNull());
    String textId = null;
    Integer textVersion = null;
    String textLocale = null;
    String textSha256 = null;
    if (textGiven || "GRANTED".equals(decision)) {
      textId =
          text(
              node,
              "textId",
              TEXT_ID,
              "must be a text id (letters, digits, . _ -; 1 to 64)",
              problems);
      textVersion = version(node, problems);
      textLocale =
          text(node, "textLocale", LOCALE, "must be a language tag such as en or fr-CA", problems);
      textSha256 = text(node, "textSha256", SHA256, "must be 64 lower-case hex digits", problems);
      if (!textGiven) {
        problems.add(new FieldProblem("textSha256", "a grant must name the text the player saw"));
      }
    }
    if (!problems.isEmpty()) {
      throw Refusal.invalidFields(dedupe(problems));
    }
    return new ConsentRecord(
        deviceId, scope, decision, at, askedWhere, textId, textVersion, textLocale, textSha256);
  }

  private static List<FieldProblem> dedupe(List<FieldProblem> problems) {
    List<FieldProblem> out = new ArrayList<>();
    Set<String> fields = new java.util.HashSet<>();
    for (FieldProblem p : problems) {
      if (fields.add(p.field())) {
        out.add(p);
      }
    }
    return out;
  }

  private static String text(
      JsonNode node, String field, Pattern pattern, String message, List<FieldProblem> problems) {
    JsonNode value = node.get(field);
    if (value == null) {
      return null; // reported as missing
    }
    if (!value.isString() || !pattern.matcher(value.asString()).matches()) {
      problems.add(new FieldProblem(field, message));
      return null;
    }
    return value.asString();
  }

  private static String oneOf(
      JsonNode node, String field, Set<String> allowed, List<FieldProblem> problems) {
    JsonNode value = node.get(field);
    if (value == null) {
      return null;
    }
    if (!value.isString() || !allowed.contains(value.asString())) {
      problems.add(
          new FieldProblem(
              field, "must be one of " + String.join(", ", allowed.stream().sorted().toList())));
      return null;
    }
    return value.asString();
  }

  private static Integer version(JsonNode node, List<FieldProblem> problems) {
    JsonNode value = node.get("textVersion");
    if (value == null) {
      return null;
    }
    if (!value.isIntegralNumber()
        || !value.canConvertToInt()
        || value.intValue() < 1
        || value.intValue() > MAX_TEXT_VERSION) {
      problems.add(new FieldProblem("textVersion", "must be a whole number from 1 to 1000000"));
      return null;
    }
    return value.intValue();
  }

  private Instant instant(JsonNode node, Instant now, List<FieldProblem> problems) {
    JsonNode value = node.get("at");
    if (value == null) {
      return null;
    }
    Instant at;
    try {
      if (!value.isString()) {
        throw new DateTimeParseException("not a string", "", 0);
      }
      at = DateTimeFormatter.ISO_INSTANT.parse(value.asString(), Instant::from);
    } catch (DateTimeParseException e) {
      problems.add(
          new FieldProblem("at", "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z"));
      return null;
    }
    if (at.isBefore(EARLIEST)) {
      problems.add(new FieldProblem("at", "must not be before " + EARLIEST));
      return null;
    }
    if (at.isAfter(now.plus(maxClockSkew))) {
      problems.add(new FieldProblem("at", "must not be in the future"));
      return null;
    }
    return at;
  }
}
