package dev.shoal.sdk;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** JSON to and from the agent's wire format, by hand so no reflection into the SDK is needed. */
final class Wire {
  static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Wire() {}

  static JsonNode parse(String body) {
    try {
      return MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw protocol("the agent sent invalid JSON: " + e.getOriginalMessage(), e);
    }
  }

  static ShoalException protocol(String message, Throwable cause) {
    return new ShoalException(ErrorCode.PROTOCOL, message, false, cause);
  }

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static String str(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() ? null : v.asString();
  }

  static Integer integer(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() ? null : v.asInt(0);
  }

  static Instant instant(JsonNode n, String field) {
    String s = str(n, field);
    try {
      return s == null ? null : Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw protocol("bad time in '" + field + "': " + s, e);
    }
  }

  static <E extends Enum<E>> E enumValue(Class<E> type, JsonNode n, String field) {
    String s = str(n, field);
    if (s == null) {
      return null;
    }
    try {
      return Enum.valueOf(type, s);
    } catch (IllegalArgumentException e) {
      throw protocol("unknown " + type.getSimpleName() + " '" + s + "'", e);
    }
  }

  static Limits limits(JsonNode n) {
    return new Limits(
        n.path("uploadCapBytesPerSecond").asLong(0),
        n.path("downloadCapBytesPerSecond").asLong(0),
        n.path("monthlyUploadAllowanceBytes").asLong(0),
        str(n, "uploadHours"),
        n.path("metered").asBoolean(false),
        n.path("quietModeDownloadCapBytesPerSecond").asLong(0));
  }

  static ObjectNode limitsJson(Limits l) {
    ObjectNode o =
        object()
            .put("uploadCapBytesPerSecond", l.uploadCapBytesPerSecond())
            .put("downloadCapBytesPerSecond", l.downloadCapBytesPerSecond())
            .put("monthlyUploadAllowanceBytes", l.monthlyUploadAllowanceBytes());
    if (l.uploadHours() == null) {
      o.putNull("uploadHours");
    } else {
      o.put("uploadHours", l.uploadHours());
    }
    return o.put("metered", l.metered())
        .put("quietModeDownloadCapBytesPerSecond", l.quietModeDownloadCapBytesPerSecond());
  }

  static ScopeState scopeState(JsonNode n) {
    return new ScopeState(
        n.path("granted").asBoolean(false),
        instant(n, "at"),
        enumValue(AskedWhere.class, n, "askedWhere"),
        str(n, "textId"),
        integer(n, "textVersion"),
        str(n, "textLocale"));
  }

  static ConsentState consent(JsonNode n) {
    return new ConsentState(
        scopeState(n.path("downloadFromPeers")), scopeState(n.path("uploadToPeers")));
  }

  static ConsentText text(JsonNode n) {
    return new ConsentText(
        str(n, "id"),
        n.path("version").asInt(0),
        enumValue(ConsentScope.class, n, "scope"),
        str(n, "locale"),
        str(n, "text"),
        str(n, "sha256"));
  }

  static ConsentRecord record(JsonNode n) {
    return new ConsentRecord(
        str(n, "deviceId"),
        enumValue(ConsentScope.class, n, "scope"),
        "GRANTED".equals(str(n, "decision")),
        instant(n, "at"),
        enumValue(AskedWhere.class, n, "askedWhere"),
        str(n, "textId"),
        integer(n, "textVersion"),
        str(n, "textLocale"),
        str(n, "textSha256"));
  }

  static AgentStatus status(JsonNode n, String json) {
    JsonNode sharing = n.path("sharing");
    JsonNode rates = n.path("rates");
    List<String> reasons = new ArrayList<>();
    for (JsonNode r : sharing.path("uploadOffReasons").values()) {
      reasons.add(r.asString());
    }
    return new AgentStatus(
        str(n, "deviceId"),
        sharing.path("uploading").asBoolean(false),
        reasons,
        sharing.path("downloadingFromPeers").asBoolean(false),
        sharing.path("uploadCapBytesPerSecond").asLong(0),
        sharing.path("downloadCapBytesPerSecond").asLong(0),
        n.path("quietMode").asBoolean(false),
        n.path("paused").asBoolean(false),
        str(n, "powerSource"),
        limits(n.path("limits")),
        consent(n.path("consent")),
        rates.path("downloadBytesPerSecond").asLong(0),
        rates.path("uploadBytesPerSecond").asLong(0),
        rates.path("peers").asInt(0),
        json);
  }
}
