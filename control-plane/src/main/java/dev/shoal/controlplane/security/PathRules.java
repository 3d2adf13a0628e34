package dev.shoal.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;

/** Which parts of the URL space are the publisher API, the devices' API, or pages. */
final class PathRules {

  /** Tracker and device-facing paths: they will authenticate devices themselves. */
  static final String[] DEVICE_PATHS = {
    "/announce", "/*/announce", "/api/v1/device", "/api/v1/device/**", "/origin/**"
  };

  /** Authenticated by passkey, with binary query strings: a chain of their own. */
  static final String[] TRACKER_AND_ORIGIN_PATHS = {"/announce", "/*/announce", "/origin/**"};

  private PathRules() {}

  static boolean acceptsApiKeys(HttpServletRequest request) {
    String path = path(request);
    boolean devicePath = path.equals("/api/v1/device") || path.startsWith("/api/v1/device/");
    return (path.startsWith("/api/v1/") && !devicePath) || path.startsWith("/actuator/");
  }

  /** Requests from a person's browser get redirected to sign in; everything else gets JSON. */
  static boolean isBrowserPage(HttpServletRequest request) {
    String path = path(request);
    String accept = request.getHeader("Accept");
    return !path.startsWith("/api/")
        && !path.startsWith("/actuator/")
        && accept != null
        && accept.contains("text/html");
  }

  private static String path(HttpServletRequest request) {
    return request.getRequestURI().substring(request.getContextPath().length());
  }
}
