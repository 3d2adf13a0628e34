package dev.shoal.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.controlplane.support.TestOrganisations;
import dev.shoal.controlplane.support.TestOrganisations.TestOrganisation;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every API endpoint against every kind of caller, over real HTTP: anonymous, a revoked key,
 * another organisation's admin, and each role both as an API key and as a dashboard session.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixTest extends ApiTest {

  private TestOrganisation home;
  private String releaseId;
  private String openUpload;
  private static final String PUBLISHER_KEY = "A".repeat(42) + "E";
  private final Map<String, Credentials> callers = new LinkedHashMap<>();
  private final Map<String, Role> roleOf = new LinkedHashMap<>();

  /** An endpoint: who may call it (at least minRole), and what another organisation gets. */
  private record Endpoint(
      String method,
      Supplier<String> path,
      Supplier<String> body,
      Role minRole,
      int success,
      int otherOrganisation) {
    String label() {
      return method + " " + path.get().replaceAll("[0-9a-f-]{36}", "{id}");
    }
  }

  @BeforeAll
  void callers() {
    home = organisations.create();
    TestOrganisation other = organisations.create();
    ApiClient http = http();
    http.post(
        "/api/v1/products",
        Credentials.apiKey(home.keys().get(Role.ADMIN)),
        ApiClient.json("slug", "game", "name", "Game"));
    Credentials admin = Credentials.apiKey(home.keys().get(Role.ADMIN));
    http.post("/api/v1/products/game/channels", admin, ApiClient.json("name", "stable"));
    Publisher builds = Publisher.of(http.as(admin));
    releaseId =
        builds
            .release("game", "stable", Map.of("a.txt", new byte[] {1, 2, 3}), "1.0")
            .get("id")
            .asString();
    openUpload =
        http.post("/api/v1/products/game/uploads", admin, "{}").json().get("id").asString();
    callers.put("anonymous", Credentials.NONE);
    callers.put(
        "revoked admin key", Credentials.apiKey(organisations.revokedKey(home.organisation())));
    callers.put("other organisation's admin key", Credentials.apiKey(other.keys().get(Role.ADMIN)));
    callers.put(
        "other organisation's admin session",
        http.signIn(other.usernames().get(Role.ADMIN), TestOrganisations.PASSWORD));
    for (Role role : Role.values()) {
      callers.put(role + " key", Credentials.apiKey(home.keys().get(role)));
      callers.put(
          role + " session", http.signIn(home.usernames().get(role), TestOrganisations.PASSWORD));
      roleOf.put(role + " key", role);
      roleOf.put(role + " session", role);
    }
  }

  /** A release manager's action on the release: 200, or 404 for another organisation. */
  private Endpoint releaseAction(String method, String action, Supplier<String> body) {
    return new Endpoint(
        method,
        () -> "/api/v1/releases/" + releaseId + action,
        body,
        Role.RELEASE_MANAGER,
        200,
        404);
  }

  private List<Endpoint> endpoints() {
    Supplier<String> none = () -> null;
    return List.of(
        new Endpoint("GET", () -> "/api/v1/me", none, Role.VIEWER, 200, 200),
        new Endpoint("GET", () -> "/api/v1/products", none, Role.VIEWER, 200, 200),
        new Endpoint(
            "POST",
            () -> "/api/v1/products",
            () -> ApiClient.json("slug", unique("p"), "name", "A game"),
            Role.RELEASE_MANAGER,
            201,
            201),
        new Endpoint("GET", () -> "/api/v1/products/game", none, Role.VIEWER, 200, 404),
        new Endpoint("GET", () -> "/api/v1/products/game/channels", none, Role.VIEWER, 200, 404),
        new Endpoint(
            "POST",
            () -> "/api/v1/products/game/channels",
            () -> ApiClient.json("name", unique("c")),
            Role.RELEASE_MANAGER,
            201,
            404),
        new Endpoint("GET", () -> "/api/v1/api-keys", none, Role.ADMIN, 200, 200),
        new Endpoint(
            "POST",
            () -> "/api/v1/api-keys",
            () -> ApiClient.json("name", "k", "role", "VIEWER"),
            Role.ADMIN,
            201,
            201),
        new Endpoint("DELETE", () -> "/api/v1/api-keys/" + homeKeyId(), none, Role.ADMIN, 204, 404),
        new Endpoint("GET", () -> "/api/v1/users", none, Role.ADMIN, 200, 200),
        new Endpoint(
            "POST",
            () -> "/api/v1/users",
            () ->
                ApiClient.json(
                    "username", unique("u"), "password", "a long password", "role", "VIEWER"),
            Role.ADMIN,
            201,
            201),
        new Endpoint("POST", () -> "/api/v1/keys/signing/rotate", none, Role.ADMIN, 200, 200),
        new Endpoint(
            "POST", () -> "/api/v1/products/game/content-keys/rotate", none, Role.ADMIN, 200, 404),
        new Endpoint(
            "GET",
            () -> "/api/v1/trust-root?organisation=" + home.organisation().slug(),
            none,
            null,
            200,
            200),
        new Endpoint(
            "GET",
            () -> "/api/v1/trust-root/rotations?organisation=" + home.organisation().slug(),
            none,
            null,
            200,
            200),
        new Endpoint(
            "POST",
            () -> "/api/v1/products/game/uploads",
            () -> "{}",
            Role.RELEASE_MANAGER,
            201,
            404),
        new Endpoint(
            "GET", () -> "/api/v1/uploads/" + openUpload, none, Role.RELEASE_MANAGER, 200, 404),
        new Endpoint(
            "GET",
            () -> "/api/v1/uploads/" + openUpload + "/files?path=a.txt",
            none,
            Role.RELEASE_MANAGER,
            200,
            404),
        // The upload is still open: an allowed caller gets 409, proving it got past authorisation.
        new Endpoint(
            "POST",
            () -> "/api/v1/products/game/channels/stable/releases",
            () -> ApiClient.json("uploadId", openUpload, "displayVersion", "2"),
            Role.RELEASE_MANAGER,
            409,
            404),
        new Endpoint(
            "GET",
            () -> "/api/v1/products/game/channels/stable/releases",
            none,
            Role.VIEWER,
            200,
            404),
        new Endpoint("GET", () -> "/api/v1/releases/" + releaseId, none, Role.VIEWER, 200, 404),
        new Endpoint(
            "GET",
            () -> "/api/v1/releases/" + releaseId + "/manifest",
            none,
            Role.VIEWER,
            200,
            404),
        releaseAction("POST", "/publish", () -> ApiClient.json("rollout", 10)),
        releaseAction("PATCH", "/rollout", () -> ApiClient.json("rollout", 100)),
        releaseAction("POST", "/pause", () -> "{}"),
        releaseAction("POST", "/resume", () -> "{}"),
        releaseAction("POST", "/refresh", () -> "{}"),
        new Endpoint(
            "POST",
            () -> "/api/v1/products/game/channels/stable/rollback",
            () -> ApiClient.json("version", 1),
            Role.RELEASE_MANAGER,
            200,
            404),
        new Endpoint(
            "POST",
            () -> "/api/v1/products/game/entitlements",
            () -> ApiClient.json("player", unique("player")),
            Role.RELEASE_MANAGER,
            201,
            404),
        new Endpoint(
            "GET", () -> "/api/v1/products/game/entitlements", none, Role.VIEWER, 200, 404),
        new Endpoint(
            "DELETE",
            () -> "/api/v1/products/game/entitlements/" + java.util.UUID.randomUUID(),
            none,
            Role.RELEASE_MANAGER,
            404,
            404),
        new Endpoint(
            "PUT",
            () -> "/api/v1/products/game/entitlement-key",
            () -> ApiClient.json("publicKey", PUBLISHER_KEY),
            Role.RELEASE_MANAGER,
            204,
            404),
        new Endpoint("GET", () -> "/api/v1/devices", none, Role.VIEWER, 200, 200),
        // Swarm health and device aggregates: read-only, organisation-scoped.
        new Endpoint(
            "GET", () -> "/api/v1/releases/" + releaseId + "/health", none, Role.VIEWER, 200, 404),
        new Endpoint(
            "GET",
            () -> "/api/v1/releases/" + releaseId + "/health?from=2026-01-01T00:00:00Z&step=86400",
            none,
            Role.VIEWER,
            200,
            404),
        new Endpoint("GET", () -> "/api/v1/products/game/health", none, Role.VIEWER, 200, 404),
        new Endpoint("GET", () -> "/api/v1/devices/aggregates", none, Role.VIEWER, 200, 200),
        // The device API takes no publisher credentials: only a device's signature (else 401).
        new Endpoint(
            "POST",
            () -> "/api/v1/device/consent",
            () ->
                ApiClient.json(
                    "deviceId",
                    "d-" + "0".repeat(32),
                    "scope",
                    "UPLOAD_TO_PEERS",
                    "decision",
                    "WITHDRAWN",
                    "at",
                    "2026-01-01T00:00:00Z",
                    "askedWhere",
                    "CLI"),
            null,
            401,
            401),
        new Endpoint(
            "DELETE", () -> "/api/v1/devices/d-" + "0".repeat(32), none, Role.ADMIN, 404, 404),
        new Endpoint(
            "POST",
            () -> "/api/v1/devices/revocations",
            () -> ApiClient.json("deviceIds", List.of("d-" + "0".repeat(32))),
            Role.ADMIN,
            200,
            200));
  }

  @TestFactory
  Stream<DynamicTest> everyEndpointForEveryCaller() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Endpoint endpoint : endpoints()) {
      callers.forEach(
          (who, credentials) ->
              tests.add(
                  DynamicTest.dynamicTest(
                      endpoint.label() + " as " + who,
                      () -> {
                        Response response =
                            http()
                                .send(
                                    endpoint.method(),
                                    endpoint.path().get(),
                                    credentials,
                                    endpoint.body().get(),
                                    "application/json");
                        assertThat(response.status())
                            .as(response.body())
                            .isEqualTo(expected(endpoint, who));
                        if (response.status() >= 400) {
                          assertThat(response.contentType()).startsWith("application/problem+json");
                        }
                      })));
    }
    return tests.stream();
  }

  private int expected(Endpoint endpoint, String who) {
    if (endpoint.minRole() == null && !who.startsWith("revoked")) {
      return endpoint.success();
    }
    if (who.equals("anonymous") || who.startsWith("revoked")) {
      return 401;
    }
    if (who.startsWith("other organisation")) {
      return endpoint.otherOrganisation();
    }
    Role role = roleOf.get(who);
    return role.compareTo(endpoint.minRole()) <= 0 ? endpoint.success() : 403;
  }

  // A fresh key of the home organisation, so that each DELETE has something to revoke.
  private String homeKeyId() {
    Response created =
        http()
            .post(
                "/api/v1/api-keys",
                Credentials.apiKey(home.keys().get(Role.ADMIN)),
                ApiClient.json("name", "to revoke", "role", "VIEWER"));
    return created.json().get("id").asString();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
