package dev.shoal.agent.controlplane;

import dev.shoal.agent.identity.DeviceIdentity;
import dev.shoal.agent.json.Json;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The control plane as the agent sees it. Every device call is signed ({@link
 * DeviceIdentity#signRequest}); answers are bounded in size before they are read, because the
 * network is not trusted (the manifest's signature is checked by the caller, not here).
 */
public final class ControlPlane {
  /** Largest answer read from the control plane: a manifest envelope of many thousand files. */
  static final int MAX_RESPONSE_BYTES = 96 << 20;

  /**
   * Longest a whole exchange may take, answer body included. The request timeouts bound only the
   * wait for the answer's headers; without this, a server that drips its answer a byte at a time (a
   * slow-retrieval attack, or a broken proxy) would hold an install forever.
   */
  static final Duration EXCHANGE_DEADLINE = Duration.ofMinutes(2);

  /** Header naming the release of a manifest, for telemetry. */
  public static final String RELEASE_ID_HEADER = "X-Shoal-Release-Id";

  static final String CHANNEL_HEAD_HEADER = "X-Shoal-Channel-Head";

  /** A signed manifest and the control plane's id of its release (for telemetry). */
  /**
   * @param channelHead the signed channel head served with the manifest (null when the answer had
   *     none or it was not base64url)
   */
  public record ManifestResponse(byte[] envelope, String releaseId, byte[] channelHead) {}

  /** One download as reported to the control plane. */
  public record DownloadReport(
      String releaseId,
      long bytesFromPeers,
      long bytesFromOrigin,
      long bytesUploaded,
      long durationMs,
      String result,
      boolean cacheInstall) {}

  private final URI base;
  private final DeviceIdentity identity;
  private final Clock clock;
  private final HttpClient http;
  // Origin URL -> where it last redirected (see range).
  private final java.util.Map<URI, URI> redirects = new java.util.concurrent.ConcurrentHashMap<>();
  private final Duration deadline;

  public ControlPlane(URI base, DeviceIdentity identity, Clock clock) {
    this(base, identity, clock, EXCHANGE_DEADLINE);
  }

  ControlPlane(URI base, DeviceIdentity identity, Clock clock, Duration deadline) {
    requireSafeUrl(Objects.requireNonNull(base, "base"));
    this.base = withTrailingSlash(base);
    this.identity = identity;
    this.clock = clock;
    this.deadline = deadline;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * The control plane hands out keys and passkeys: https only, or plain http on loopback (tests, a
   * local control plane).
   *
   * @throws IllegalArgumentException otherwise
   */
  public static void requireSafeUrl(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    String host = url.getHost() == null ? "" : url.getHost();
    boolean loopback = host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]");
    if (!(scheme.equals("https") || (scheme.equals("http") && loopback))) {
      throw new IllegalArgumentException(
          "controlPlaneUrl must be https (http only on loopback), got " + url);
    }
  }

  public URI base() {
    return base;
  }

  /**
   * Enrols this device in {@code organisation} and pins the organisation's current trust root
   * (trust on first use, over the same connection the player chose to trust).
   */
  public Enrolment enrol(String organisation, String region) throws ControlPlaneException {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("organisation", organisation);
    body.put("signingPublicKey", identity.signingPublicKey());
    body.put("agreementPublicKey", identity.agreementPublicKey());
    body.put("region", region == null ? "" : region);
    JsonNode answer =
        json(signed("POST", "api/v1/device/enrol", Json.MAPPER.writeValueAsBytes(body)));
    String deviceId = text(answer, "deviceId");
    if (!deviceId.equals(identity.deviceId())) {
      throw new ControlPlaneException(502, "enrolment answered for another device: " + deviceId);
    }
    byte[] root = trustRoot(organisation);
    return new Enrolment(base, organisation, deviceId, text(answer, "passkey"), "")
        .withTrustRoot(root);
  }

  /** The organisation's current trust root, parsed to prove it is one. */
  public byte[] trustRoot(String organisation) throws ControlPlaneException {
    byte[] bytes = body(send(get("api/v1/trust-root?organisation=" + encode(organisation))));
    try {
      TrustRoot.parse(bytes);
    } catch (RuntimeException e) {
      throw new ControlPlaneException(502, "the trust root is malformed: " + e.getMessage());
    }
    return bytes;
  }

  /** Every trust root of the organisation as a signed envelope, oldest first. */
  public List<SignedEnvelope> rotations(String organisation) throws ControlPlaneException {
    JsonNode list =
        json(send(get("api/v1/trust-root/rotations?organisation=" + encode(organisation))));
    List<SignedEnvelope> out = new ArrayList<>();
    try {
      for (JsonNode r : list) {
        out.add(SignedEnvelope.parse(Base64.getDecoder().decode(r.get("envelope").asString())));
      }
    } catch (RuntimeException e) {
      throw new ControlPlaneException(502, "malformed trust root rotations: " + e.getMessage());
    }
    return out;
  }

  /** The signed manifest this device should install from a channel. */
  public ManifestResponse manifest(String product, String channel) throws ControlPlaneException {
    HttpResponse<byte[]> r =
        signed(
            "GET",
            "api/v1/device/products/"
                + encode(product)
                + "/channels/"
                + encode(channel)
                + "/manifest",
            new byte[0]);
    String releaseId = r.headers().firstValue(RELEASE_ID_HEADER).orElse(null);
    byte[] head =
        r.headers().firstValue(CHANNEL_HEAD_HEADER).map(ControlPlane::base64url).orElse(null);
    return new ManifestResponse(body(r), releaseId, head);
  }

  private static byte[] base64url(String text) {
    try {
      return Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A pack's torrent, carrying this device's announce URL. */
  public byte[] torrent(String infoHash) throws ControlPlaneException {
    return body(signed("GET", "api/v1/device/packs/" + encode(infoHash) + "/torrent", new byte[0]));
  }

  /**
   * The product's content key {@code contentKeyId} (null: the current one), wrapped for this device
   * (KeyWrap JSON).
   *
   * @param entitlementToken a publisher-signed entitlement token, or null to rely on a grant
   */
  public byte[] wrappedContentKey(String product, String contentKeyId, String entitlementToken)
      throws ControlPlaneException {
    Map<String, String> body = new LinkedHashMap<>();
    if (contentKeyId != null) {
      body.put("contentKeyId", contentKeyId);
    }
    if (entitlementToken != null) {
      body.put("token", entitlementToken);
    }
    return body(
        signed(
            "POST",
            "api/v1/device/products/" + encode(product) + "/content-key",
            Json.MAPPER.writeValueAsBytes(body)));
  }

  public void telemetry(DownloadReport report) throws ControlPlaneException {
    body(signed("POST", "api/v1/device/telemetry", Json.MAPPER.writeValueAsBytes(report)));
  }

  /** Sends one consent record (its JSON line, as the ledger wrote it). */
  public void consent(String recordJson) throws ControlPlaneException {
    body(signed("POST", "api/v1/device/consent", recordJson.getBytes(StandardCharsets.UTF_8)));
  }

  /** Tells the control plane this device leaves (uninstall): it is revoked at once. */
  public void leave() throws ControlPlaneException {
    body(signed("DELETE", "api/v1/device/enrolment", new byte[0]));
  }

  /** The origin URL of a pack: a BEP 19 style web seed that answers range requests. */
  public URI originPackUrl(String passkey, String infoHash) {
    return base.resolve("origin/" + encode(passkey) + "/packs/" + encode(infoHash));
  }

  /**
   * A plain GET of an absolute URL on the control plane, with a Range header (origin). A redirect
   * (to a content-addressed URL with a short-lived token, perhaps on a CDN) is followed and kept
   * for the next ranges of the same URL until it is refused (its token expired).
   */
  public byte[] range(URI url, long offset, long length) throws ControlPlaneException {
    URI target = redirects.getOrDefault(url, url);
    HttpResponse<byte[]> r = rangeOf(target, offset, length);
    if (target != url && (r.statusCode() == 401 || r.statusCode() == 403)) {
      redirects.remove(url);
      target = url;
      r = rangeOf(url, offset, length);
    }
    int status = r.statusCode();
    if (target == url && (status == 302 || status == 303 || status == 307 || status == 308)) {
      java.util.Optional<String> location = r.headers().firstValue("Location");
      if (location.isPresent()) {
        target = url.resolve(location.get());
        redirects.put(url, target);
        r = rangeOf(target, offset, length);
      }
    }
    if (r.statusCode() != 206) {
      throw new ControlPlaneException(
          502, "the origin did not answer the range request (HTTP " + r.statusCode() + ")");
    }
    byte[] bytes = body(r);
    if (bytes.length != length) {
      throw new ControlPlaneException(
          502, "the origin sent " + bytes.length + " bytes for a range of " + length);
    }
    return bytes;
  }

  private HttpResponse<byte[]> rangeOf(URI url, long offset, long length)
      throws ControlPlaneException {
    return send(
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(60))
            .header("Range", "bytes=" + offset + "-" + (offset + length - 1))
            .GET()
            .build());
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
  }

  /**
   * A signed request. The control plane refuses a POST whose signature it saw in the last minutes
   * (replay), and signatures are deterministic per second, so an identical POST sent within the
   * same second is retried once, a second later, with a new timestamp.
   */
  private HttpResponse<byte[]> signed(String method, String path, byte[] body)
      throws ControlPlaneException {
    HttpResponse<byte[]> r = send(signedRequest(method, path, body));
    if (r.statusCode() == 401 && method.equals("POST")) {
      sleep(Duration.ofMillis(1100));
      r = send(signedRequest(method, path, body));
    }
    return r;
  }

  private HttpRequest signedRequest(String method, String path, byte[] body) {
    URI uri = base.resolve(path);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    if (body.length > 0) {
      b.header("Content-Type", "application/json");
    }
    identity.signRequest(method, uri, body, clock.instant()).forEach(b::header);
    return b.build();
  }

  /**
   * One exchange, its answer read whole but never more than {@link #MAX_RESPONSE_BYTES}, within the
   * deadline. Interrupting the calling thread (an install cancelled) ends it at once.
   */
  private HttpResponse<byte[]> send(HttpRequest request) throws ControlPlaneException {
    CompletableFuture<HttpResponse<byte[]>> answer =
        http.sendAsync(request, info -> new LimitedBody(MAX_RESPONSE_BYTES));
    try {
      return answer.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      answer.cancel(true);
      throw new ControlPlaneException(
          "the control plane at " + base + " did not finish answering within " + deadline, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LimitedBody.TooLarge) {
        throw new ControlPlaneException(502, "the control plane's answer is too large");
      }
      throw new ControlPlaneException(
          "cannot reach the control plane at " + base + ": " + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      answer.cancel(true);
      Thread.currentThread().interrupt();
      throw new ControlPlaneException("interrupted while calling the control plane", e);
    }
  }

  /** The body of a 2xx answer; otherwise its problem. */
  private static byte[] body(HttpResponse<byte[]> r) throws ControlPlaneException {
    if (r.statusCode() / 100 != 2) {
      throw new ControlPlaneException(r.statusCode(), problem(r.statusCode(), r.body()));
    }
    return r.body();
  }

  private static JsonNode json(HttpResponse<byte[]> r) throws ControlPlaneException {
    byte[] bytes = body(r);
    try {
      return Json.MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw new ControlPlaneException(502, "the control plane answered something not JSON");
    }
  }

  /** The problem's detail (RFC 9457), or the status alone. */
  private static String problem(int status, byte[] body) {
    try {
      JsonNode p = Json.MAPPER.readTree(body);
      if (p != null && p.hasNonNull("detail")) {
        return "control plane answered " + status + ": " + p.get("detail").asString();
      }
    } catch (JacksonException e) {
      // not a problem document
    }
    return "control plane answered HTTP " + status;
  }

  private static String text(JsonNode node, String field) throws ControlPlaneException {
    if (node == null || !node.hasNonNull(field) || !node.get(field).isString()) {
      throw new ControlPlaneException(502, "the control plane's answer has no " + field);
    }
    return node.get(field).asString();
  }

  private static void sleep(Duration d) throws ControlPlaneException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ControlPlaneException("interrupted", e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static URI withTrailingSlash(URI u) {
    String s = u.toString();
    return s.endsWith("/") ? u : URI.create(s + "/");
  }
}
