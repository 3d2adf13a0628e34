package dev.shoal.controlplane.security;

import dev.shoal.controlplane.web.Problems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.csrf.CsrfException;
import tools.jackson.databind.json.JsonMapper;

/** 401 and 403 as problem details, for API clients. */
final class ProblemSecurityHandlers implements AuthenticationEntryPoint, AccessDeniedHandler {

  private static final Logger log = LoggerFactory.getLogger(ProblemSecurityHandlers.class);

  private final JsonMapper json;

  ProblemSecurityHandlers(JsonMapper json) {
    this.json = json;
  }

  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException ex)
      throws IOException {
    if (ex instanceof BadCredentialsException) {
      // A key or session that was presented and refused: worth an operator's eye.
      write(request, response, HttpStatus.UNAUTHORIZED, ex.getMessage());
      return;
    }
    // No credentials at all: a dashboard checking whether someone is signed in, a curl without
    // its key. Expected many times a day, so not a warning.
    Problems.refuse(
        request,
        response,
        HttpStatus.UNAUTHORIZED,
        "Authentication required: sign in, or send Authorization: Bearer <API key>",
        json,
        log,
        Level.DEBUG);
  }

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, AccessDeniedException ex)
      throws IOException {
    // A CSRF failure of a caller with no session is really a missing sign-in: say 401.
    if (!isAuthenticated()) {
      commence(request, response, new InsufficientAuthentication());
      return;
    }
    String detail =
        ex instanceof CsrfException
            ? "Missing or wrong CSRF token: send the XSRF-TOKEN cookie's value in X-XSRF-TOKEN"
            : "Your role may not do this";
    write(request, response, HttpStatus.FORBIDDEN, detail);
  }

  private static boolean isAuthenticated() {
    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
    return auth != null
        && auth.isAuthenticated()
        && !(auth instanceof AnonymousAuthenticationToken);
  }

  private void write(
      HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail)
      throws IOException {
    Problems.refuse(request, response, status, detail, json, log);
  }

  private static final class InsufficientAuthentication extends AuthenticationException {
    InsufficientAuthentication() {
      super("Not signed in");
    }
  }
}
