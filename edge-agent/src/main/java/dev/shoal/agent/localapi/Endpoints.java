package dev.shoal.agent.localapi;

import dev.shoal.agent.bandwidth.BandwidthPolicy;
import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.consent.ConsentLedger;
import dev.shoal.agent.consent.ConsentRecord;
import dev.shoal.agent.consent.ConsentScope;
import dev.shoal.agent.consent.ConsentText;
import dev.shoal.agent.localapi.Router.Access;
import dev.shoal.agent.status.AgentStatus;
import dev.shoal.agent.status.StatusReporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/** The {@code /v1} handlers. Each is a few lines: parse, call the owning part, answer. */
final class Endpoints {
  record SessionLink(String code, String url, Instant expiresAt) {}

  private final BandwidthPolicy policy;
  private final ConsentLedger consent;
  private final StatusReporter reporter;
  private final Sessions sessions;
  private final EventStream events;
  private final int port;

  Endpoints(
      BandwidthPolicy policy,
      ConsentLedger consent,
      StatusReporter reporter,
      Sessions sessions,
      EventStream events,
      int port) {
    this.policy = policy;
    this.consent = consent;
    this.reporter = reporter;
    this.sessions = sessions;
    this.events = events;
    this.port = port;
  }

  void register(Router r) {
    r.add("GET", "/v1/status", Access.TOKEN_OR_SESSION, req -> ApiResponse.json(reporter.status()))
        .add("GET", "/v1/consent", Access.TOKEN_OR_SESSION, req -> ApiResponse.json(consentView()))
        .add("GET", "/v1/consent/texts", Access.TOKEN_OR_SESSION, this::texts)
        .add("POST", "/v1/consent", Access.TOKEN_OR_SESSION, this::changeConsent)
        .add(
            "GET",
            "/v1/limits",
            Access.TOKEN_OR_SESSION,
            req -> ApiResponse.json(policy.settings()))
        .add("PUT", "/v1/limits", Access.TOKEN_OR_SESSION, this::putLimits)
        .add("POST", "/v1/quiet-mode", Access.TOKEN_OR_SESSION, this::quietMode)
        .add("POST", "/v1/sharing", Access.TOKEN_OR_SESSION, this::sharing)
        .add("GET", "/v1/events", Access.TOKEN_OR_SESSION, this::events)
        // Only token holders may mint browser sessions; a browser session cannot extend itself.
        .add("POST", "/v1/session", Access.TOKEN, this::newSession);
  }

  private AgentStatus.Consent consentView() {
    return reporter.status().consent();
  }

  private ApiResponse texts(ApiRequest req) {
    String scopeParam = req.query().get("scope");
    String locale = req.query().get("locale");
    BandwidthSettings s = policy.settings();
    List<ConsentScope> scopes =
        scopeParam == null ? List.of(ConsentScope.values()) : List.of(parseScope(scopeParam));
    List<ConsentText> out =
        locale == null
            ? consent.texts().renderAll(s).stream().filter(t -> scopes.contains(t.scope())).toList()
            : scopes.stream().map(sc -> consent.texts().render(sc, locale, s)).toList();
    return ApiResponse.json(out);
  }

  private ApiResponse changeConsent(ApiRequest req) {
    Bodies.ConsentChange c = Bodies.consentChange(req.body());
    ConsentRecord rec =
        c.decision() == ConsentRecord.Decision.GRANTED
            ? consent.grant(c.scope(), c.textSha256(), c.askedWhere())
            : consent.withdraw(c.scope(), c.askedWhere());
    return ApiResponse.json(rec);
  }

  private ApiResponse putLimits(ApiRequest req) {
    policy.setSettings(Bodies.limits(req.body()));
    return ApiResponse.json(policy.settings());
  }

  private ApiResponse quietMode(ApiRequest req) {
    policy.setQuietMode(Bodies.quietMode(req.body()));
    return ApiResponse.json(reporter.status());
  }

  private ApiResponse sharing(ApiRequest req) {
    policy.setPaused(Bodies.sharingPaused(req.body()));
    return ApiResponse.json(reporter.status());
  }

  private ApiResponse events(ApiRequest req) {
    try {
      events.subscribe(req.exchange());
      return ApiResponse.HANDLED;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ApiResponse newSession(ApiRequest req) {
    String code = sessions.newCode();
    return ApiResponse.json(
        201,
        new SessionLink(
            code,
            "http://127.0.0.1:" + port + "/?session=" + code,
            Instant.now().plus(Sessions.CODE_TTL)));
  }

  private static ConsentScope parseScope(String text) {
    try {
      return ConsentScope.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ApiException(ProblemCode.BAD_REQUEST, e.getMessage());
    }
  }
}
