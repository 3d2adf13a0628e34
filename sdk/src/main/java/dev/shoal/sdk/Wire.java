package dev.shoal.sdk;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

  static Long longValue(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() ? null : v.asLong(0);
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
        installs(n.path("installs")),
        json);
  }

  static List<InstallProgress> installs(JsonNode array) {
    List<InstallProgress> out = new ArrayList<>();
    for (JsonNode i : array.values()) {
      out.add(install(i));
    }
    return out;
  }

  static InstallProgress install(JsonNode n) {
    String id = str(n, "id");
    InstallState state = enumValue(InstallState.class, n, "state");
    String dir = str(n, "directory");
    if (id == null || state == null || dir == null) {
      throw protocol("an install without id, state or directory: " + n, null);
    }
    Long eta = longValue(n, "etaSeconds");
    String kind = str(n, "packKind");
    return new InstallProgress(
        id,
        str(n, "product"),
        str(n, "channel"),
        Path.of(dir),
        enumValue(InstallPriority.class, n, "priority"),
        state,
        longValue(n, "installedVersion"),
        longValue(n, "targetVersion"),
        str(n, "targetDisplayVersion"),
        kind == null ? null : lenient(PackKind.class, kind.toUpperCase(Locale.ROOT), null),
        n.path("bytesDone").asLong(0),
        n.path("bytesTotal").asLong(0),
        n.path("bytesPerSecond").asLong(0),
        eta == null ? null : Duration.ofSeconds(eta),
        n.path("peers").asInt(0),
        n.path("fromPeersShare").asDouble(0),
        n.path("bytesFromPeers").asLong(0),
        n.path("bytesFromOrigin").asLong(0),
        lenient(InstallHealth.class, str(n, "health"), InstallHealth.UNKNOWN),
        installError(n.path("error")));
  }

  private static InstallError installError(JsonNode e) {
    if (e.isMissingNode() || e.isNull()) {
      return null;
    }
    String code = str(e, "code");
    String message = str(e, "message");
    ErrorCode c = code == null ? null : ShoalClient.agentCode(code);
    if (c == null) {
      return new InstallError(
          ErrorCode.PROTOCOL,
          "the agent reported an error this SDK does not know: " + code + ": " + message,
          e.path("retryable").asBoolean(false));
    }
    return new InstallError(
        c, message != null ? message : code, e.path("retryable").asBoolean(false));
  }

  /** An enum constant, or {@code fallback} for a value a newer agent may send. */
  private static <E extends Enum<E>> E lenient(Class<E> type, String value, E fallback) {
    if (value == null) {
      return fallback;
    }
    try {
      return Enum.valueOf(type, value);
    } catch (IllegalArgumentException e) {
      return fallback;
    }
  }

  static ObjectNode installJson(InstallRequest r) {
    ObjectNode o =
        object()
            .put("product", r.product())
            .put("channel", r.channel())
            .put("directory", r.directory().toString())
            .put("priority", r.priority().name());
    if (r.entitlementToken() != null) {
      o.put("entitlementToken", r.entitlementToken());
    }
    return o;
  }

  static Enrolment enrolment(JsonNode n) {
    String cp = str(n, "controlPlane");
    URI url;
    try {
      url = cp == null ? null : URI.create(cp);
    } catch (IllegalArgumentException e) {
      throw protocol("bad control plane URL: " + cp, e);
    }
    return new Enrolment(
        n.path("enrolled").asBoolean(false), url, str(n, "organisation"), str(n, "deviceId"));
  }

  static Verification verification(JsonNode n) {
    List<Verification.FileProblem> problems = new ArrayList<>();
    for (JsonNode p : n.path("problems").values()) {
      problems.add(
          new Verification.FileProblem(
              str(p, "path"), enumValue(Verification.Kind.class, p, "kind")));
    }
    return new Verification(str(n, "id"), n.path("intact").asBoolean(false), problems);
  }
}
