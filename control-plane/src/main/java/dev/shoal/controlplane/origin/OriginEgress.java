package dev.shoal.controlplane.origin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Counts HTTP origin bytes into {@code shoal_origin_http_egress_bytes_total} and {@code
 * shoal_origin_egress_bytes_total} (which {@link OriginTraffic} adds the seeder's bytes to), and
 * per pack into {@link OriginTraffic}: the Content-Length of each successful GET (a single range or
 * the whole pack). Multi-range responses have no length and are not counted; agents ask for one
 * piece at a time.
 */
@Configuration(proxyBeanMethods = false)
class OriginEgress implements WebMvcConfigurer, HandlerInterceptor {

  private static final java.util.regex.Pattern PACK_PATH =
      java.util.regex.Pattern.compile("/origin/(?:[^/]+/)?packs/([0-9A-Fa-f]{40})");

  private final Counter egress;
  private final Counter httpEgress;
  private final OriginTraffic traffic;

  OriginEgress(MeterRegistry meters, OriginTraffic traffic) {
    this.traffic = traffic;
    this.egress =
        Counter.builder("shoal.origin.egress")
            .baseUnit("bytes")
            .description(
                "Pack bytes the origin sent: HTTP responses and the seeder's BitTorrent uploads")
            .register(meters);
    // The total alone read 0 while the seeder sent everything: operators want one figure for
    // what the origin costs, and the split stays visible through the two parts.
    this.httpEgress =
        Counter.builder("shoal.origin.http.egress")
            .baseUnit("bytes")
            .description("Pack bytes served over HTTP by the origin")
            .register(meters);
    traffic.countSeederBytesInto(egress);
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(this).addPathPatterns("/origin/**");
  }

  @Override
  public void afterCompletion(
      HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
    String length = response.getHeader("Content-Length");
    int status = response.getStatus();
    if ("GET".equals(request.getMethod())
        && (status == 200 || status == 206)
        && length != null
        && length.matches("\\d{1,18}")) {
      long bytes = Long.parseLong(length);
      egress.increment(bytes);
      httpEgress.increment(bytes);
      java.util.regex.Matcher pack = PACK_PATH.matcher(request.getRequestURI());
      if (pack.matches()) {
        traffic.served(pack.group(1).toLowerCase(java.util.Locale.ROOT), bytes);
      }
    }
  }
}
