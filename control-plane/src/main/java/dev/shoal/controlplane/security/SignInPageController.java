package dev.shoal.controlplane.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * Shoal's own sign-in page at {@code GET /login} (Spring Security still handles {@code POST
 * /login}): the dashboard's look and words instead of the framework's bare form. The page is a
 * static file with two holes, the CSRF token and the message line, so no template engine is needed.
 */
@RestController
class SignInPageController {

  private static final String PAGE = read("sign-in.html");

  @GetMapping(value = "/login", produces = MediaType.TEXT_HTML_VALUE)
  String page(
      CsrfToken csrf,
      @RequestParam(required = false) String error,
      @RequestParam(required = false) String logout) {
    String message = "";
    if (error != null) {
      message =
          "<p id=\"sign-in-message\" class=\"message error\" role=\"alert\">Wrong username or"
              + " password. Please try again.</p>";
    } else if (logout != null) {
      message =
          "<p id=\"sign-in-message\" class=\"message ok\" role=\"status\">You are signed out.</p>";
    }
    return PAGE.replace("{{csrf}}", HtmlUtils.htmlEscape(csrf.getToken()))
        .replace("{{message}}", message);
  }

  private static String read(String name) {
    try (InputStream in = SignInPageController.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
