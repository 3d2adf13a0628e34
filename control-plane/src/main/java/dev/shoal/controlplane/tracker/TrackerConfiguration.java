package dev.shoal.controlplane.tracker;

import dev.shoal.controlplane.config.RedisConfigured;
import dev.shoal.controlplane.config.ShoalProperties;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.data.redis.health.DataRedisHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Chooses the swarm store: Redis when {@code spring.data.redis.url} ({@code SHOAL_REDIS_URL}) is
 * set, this node's memory otherwise. Redis's health indicator is switched off in
 * application.properties (it would report DOWN for a Redis nobody configured) and registered here
 * only when Redis is in use.
 */
@Configuration(proxyBeanMethods = false)
class TrackerConfiguration {

  private static final Logger log = LoggerFactory.getLogger(TrackerConfiguration.class);

  @Bean
  SwarmStore swarmStore(
      ShoalProperties properties,
      Environment environment,
      ObjectProvider<StringRedisTemplate> redis) {
    Duration expiry = AnnounceInterval.of(properties.tracker()).peerExpiry();
    if (RedisConfigured.in(environment)) {
      log.info(
          "Tracker swarms are kept in Redis, shared by every node (peers expire after {})", expiry);
      return new RedisSwarms(redis.getObject(), Clock.systemUTC(), expiry);
    }
    return new InMemorySwarms(Clock.systemUTC(), expiry);
  }

  @Bean
  @Conditional(RedisConfigured.class)
  DataRedisHealthIndicator redisHealthIndicator(RedisConnectionFactory connections) {
    return new DataRedisHealthIndicator(connections);
  }
}
