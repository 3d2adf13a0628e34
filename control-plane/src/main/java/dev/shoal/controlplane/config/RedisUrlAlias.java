package dev.shoal.controlplane.config;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * {@code SHOAL_REDIS_URL} sets {@code spring.data.redis.url}, unless that is set itself. Not a
 * {@code ${SHOAL_REDIS_URL:}} placeholder in application.properties: an empty URL is not "no Redis"
 * to Spring Boot but an invalid one, and the control plane must start as before without Redis.
 */
class RedisUrlAlias implements EnvironmentPostProcessor {

  static final String VARIABLE = "SHOAL_REDIS_URL";
  static final String PROPERTY = "spring.data.redis.url";

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    String url = environment.getProperty(VARIABLE);
    if (StringUtils.hasText(url) && !environment.containsProperty(PROPERTY)) {
      environment
          .getPropertySources()
          .addLast(new MapPropertySource("shoalRedisUrl", Map.of(PROPERTY, url)));
    }
  }
}
