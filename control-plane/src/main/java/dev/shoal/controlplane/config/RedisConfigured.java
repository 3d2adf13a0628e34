package dev.shoal.controlplane.config;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Redis is in use: {@code spring.data.redis.url} is set (directly or by {@code SHOAL_REDIS_URL},
 * see {@link RedisUrlAlias}). Without it, nothing that needs Redis is created.
 */
public final class RedisConfigured implements Condition {

  public static boolean in(Environment environment) {
    return StringUtils.hasText(environment.getProperty(RedisUrlAlias.PROPERTY));
  }

  @Override
  public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
    return in(context.getEnvironment());
  }
}
