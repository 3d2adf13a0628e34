package dev.shoal.controlplane.tracker;

import io.micrometer.observation.ObservationPredicate;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Announces skip Spring Security's observations (a trace and timers per filter of a chain that does
 * nothing for them: the tracker checks passkeys itself), which cost about as much CPU as the
 * announce. They stay in {@code http_server_requests} and {@code shoal_tracker_announces_total}.
 */
@Configuration(proxyBeanMethods = false)
class TrackerObservations {

  @Bean
  ObservationPredicate noSecurityObservationsOfAnnounces() {
    return (name, context) -> !(name.startsWith("spring.security.") && isAnnounce());
  }

  // Spring's RequestContextFilter runs before the security filter chain and sets this.
  private static boolean isAnnounce() {
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    if (!(attributes instanceof ServletRequestAttributes servlet)) {
      return false;
    }
    return isAnnounce(servlet.getRequest());
  }

  /** {@code /announce} or {@code /<passkey>/announce}, as TrackerController maps them. */
  static boolean isAnnounce(HttpServletRequest request) {
    String path = request.getRequestURI();
    return path.equals("/announce")
        || (path.length() > "/announce".length() + 1
            && path.endsWith("/announce")
            && path.lastIndexOf('/', path.length() - "/announce".length() - 1) == 0);
  }
}
