package dev.shoal.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Response;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What happens every day by design leaves no warning in the log: a browser asking for the icon, a
 * caller without credentials being told to sign in. A key that is presented and refused still does.
 */
class QuietLogTest extends OrganisationTest {

  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

  @BeforeEach
  void listen() {
    events.start();
    root.addAppender(events);
  }

  @AfterEach
  void stopListening() {
    root.detachAppender(events);
  }

  private List<String> warnings(String about) {
    return events.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains(about))
        .toList();
  }

  @Test
  void theIconIsServedWithoutAWarning() {
    Response icon = http.send(http.request("/favicon.ico").build());

    assertThat(icon.status()).isEqualTo(200);
    assertThat(icon.headers().firstValue("Content-Type").orElseThrow()).startsWith("image/");
    assertThat(icon.bytes()).hasSizeGreaterThan(100);
    assertThat(warnings("favicon")).isEmpty();
  }

  @Test
  void aCallerWithoutCredentialsGets401WithoutAWarning() {
    Response me = http.get("/api/v1/me");

    assertThat(me.status()).isEqualTo(401);
    assertThat(me.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/problem+json");
    assertThat(warnings("/api/v1/me")).isEmpty();
  }

  @Test
  void aRefusedKeyIsStillAWarning() {
    Response me = http.get("/api/v1/me", Credentials.apiKey("shoal_abcdefgh_notthesecret"));

    assertThat(me.status()).isEqualTo(401);
    assertThat(warnings("/api/v1/me")).hasSize(1);
  }
}
