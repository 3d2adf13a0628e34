package dev.shoal.agent.localapi;

import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.consent.AskedWhere;
import dev.shoal.agent.consent.ConsentRecord;
import dev.shoal.agent.consent.ConsentScope;
import dev.shoal.agent.controlplane.ControlPlane;
import dev.shoal.agent.install.InstallRequest;
import dev.shoal.agent.json.Json;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The JSON bodies of the local API, parsed and checked before any handler acts on them. Each method
 * returns a complete, valid request or throws {@link ApiException} (400); nothing else gets out,
 * whatever the bytes (fuzzed by BodiesFuzzTest).
 */
final class Bodies {
  /** {@code POST /v1/consent}; a grant carries the hash of the text the player read. */
  record ConsentChange(
      ConsentScope scope,
      ConsentRecord.Decision decision,
      String textSha256,
      AskedWhere askedWhere) {}

  /** {@code POST /v1/enrolment}, as sent. */
  record EnrolRequest(String controlPlane, String organisation, String region) {}

  /** {@code POST /v1/enrolment}, checked: the URL is one the agent may talk to. */
  record Enrol(URI controlPlane, String organisation, String region) {}

  /** {@code POST /v1/installs}, as sent. */
  record StartInstall(
      String product,
      String channel,
      String directory,
      InstallRequest.Priority priority,
      String entitlementToken) {}

  record QuietMode(Boolean on) {}

  record SharingChange(Boolean paused) {}

  private Bodies() {}

  static ConsentChange consentChange(byte[] body) {
    ConsentChange c = parse(body, ConsentChange.class);
    if (c.scope() == null || c.decision() == null || c.askedWhere() == null) {
      throw bad("scope, decision and askedWhere are required");
    }
    if (c.decision() == ConsentRecord.Decision.GRANTED && c.textSha256() == null) {
      throw bad("a grant needs textSha256 of the text the player read");
    }
    return c;
  }

  static BandwidthSettings limits(byte[] body) {
    return parse(body, BandwidthSettings.class);
  }

  static boolean quietMode(byte[] body) {
    QuietMode q = parse(body, QuietMode.class);
    if (q.on() == null) {
      throw bad("field 'on' (true or false) is required");
    }
    return q.on();
  }

  static boolean sharingPaused(byte[] body) {
    SharingChange c = parse(body, SharingChange.class);
    if (c.paused() == null) {
      throw bad("field 'paused' (true or false) is required");
    }
    return c.paused();
  }

  static Enrol enrol(byte[] body) {
    EnrolRequest e = parse(body, EnrolRequest.class);
    if (e.controlPlane() == null || e.organisation() == null) {
      throw bad("controlPlane and organisation are required");
    }
    URI url;
    try {
      url = new URI(e.controlPlane());
      ControlPlane.requireSafeUrl(url);
    } catch (URISyntaxException | IllegalArgumentException ex) {
      throw bad("controlPlane is not an https URL (or http on loopback): " + ex.getMessage());
    }
    return new Enrol(url, e.organisation(), e.region());
  }

  static InstallRequest install(byte[] body) {
    StartInstall s = parse(body, StartInstall.class);
    if (s.product() == null || s.channel() == null || s.directory() == null) {
      throw bad("product, channel and directory are required");
    }
    Path dir;
    try {
      dir = Path.of(s.directory());
    } catch (InvalidPathException e) {
      throw bad("directory is not a valid path");
    }
    try {
      return new InstallRequest(s.product(), s.channel(), dir, s.priority(), s.entitlementToken());
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
  }

  /** Strictly as {@code type}; any JSON problem, and a bare {@code null}, is the client's fault. */
  static <T> T parse(byte[] body, Class<T> type) {
    if (body.length == 0) {
      throw bad("a JSON body is required");
    }
    T value;
    try {
      value = Json.MAPPER.readValue(body, type);
    } catch (tools.jackson.core.JacksonException e) {
      throw bad("invalid JSON body: " + e.getOriginalMessage());
    }
    if (value == null) {
      throw bad("the body must be a JSON object, not null");
    }
    return value;
  }

  private static ApiException bad(String detail) {
    return new ApiException(ProblemCode.BAD_REQUEST, detail);
  }
}
