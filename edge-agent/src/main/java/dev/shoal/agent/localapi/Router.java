package dev.shoal.agent.localapi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Method + path template routing ({@code /v1/games/{gameId}/install}). Later endpoints (install,
 * pause, resume, cancel, verify, repair, progress) are added with {@link #add} and nothing else.
 */
final class Router {
  /** Who may call a route. */
  enum Access {
    /** No credentials (the status page entry, which checks its own session). */
    PUBLIC,
    /** Only the bearer token from local-api.json (launchers, the CLI). */
    TOKEN,
    /** The bearer token, or the status page's session cookie. */
    TOKEN_OR_SESSION
  }

  @FunctionalInterface
  interface Handler {
    ApiResponse handle(ApiRequest request);
  }

  record Route(String method, String template, Access access, Handler handler) {
    String[] segments() {
      return template.split("/", -1);
    }
  }

  /** Result of matching: a route with its path parameters, or why none matched. */
  record Match(Route route, Map<String, String> params, List<String> allowedMethods) {
    boolean found() {
      return route != null;
    }
  }

  private final List<Route> routes = new ArrayList<>();

  Router add(String method, String template, Access access, Handler handler) {
    routes.add(new Route(method, template, access, handler));
    return this;
  }

  List<Route> routes() {
    return List.copyOf(routes);
  }

  Match match(String method, String path) {
    TreeSet<String> allowed = new TreeSet<>();
    for (Route r : routes) {
      Map<String, String> params = bind(r.segments(), path.split("/", -1));
      if (params == null) {
        continue;
      }
      if (r.method().equals(method)) {
        return new Match(r, params, List.of());
      }
      allowed.add(r.method());
    }
    return new Match(null, Map.of(), List.copyOf(allowed));
  }

  private static Map<String, String> bind(String[] template, String[] actual) {
    if (template.length != actual.length) {
      return null;
    }
    Map<String, String> params = new java.util.HashMap<>();
    for (int i = 0; i < template.length; i++) {
      String t = template[i];
      if (t.startsWith("{") && t.endsWith("}")) {
        if (actual[i].isEmpty()) {
          return null;
        }
        params.put(t.substring(1, t.length() - 1), actual[i]);
      } else if (!t.equals(actual[i])) {
        return null;
      }
    }
    return Map.copyOf(params);
  }
}
