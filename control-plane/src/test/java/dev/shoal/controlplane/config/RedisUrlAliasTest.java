package dev.shoal.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

class RedisUrlAliasTest {

  private static MockEnvironment processed(MockEnvironment environment) {
    new RedisUrlAlias().postProcessEnvironment(environment, null);
    return environment;
  }

  @Test
  void shoalRedisUrlSetsTheSpringProperty() {
    MockEnvironment environment =
        processed(new MockEnvironment().withProperty("SHOAL_REDIS_URL", "redis://cache:6379"));
    assertThat(environment.getProperty("spring.data.redis.url")).isEqualTo("redis://cache:6379");
  }

  @Test
  void theSpringPropertyWinsAndNothingSetMeansNoRedis() {
    MockEnvironment both =
        processed(
            new MockEnvironment()
                .withProperty("SHOAL_REDIS_URL", "redis://cache:6379")
                .withProperty("spring.data.redis.url", "redis://other:6379"));
    assertThat(both.getProperty("spring.data.redis.url")).isEqualTo("redis://other:6379");
    assertThat(processed(new MockEnvironment()).containsProperty("spring.data.redis.url"))
        .isFalse();
    assertThat(
            processed(new MockEnvironment().withProperty("SHOAL_REDIS_URL", " "))
                .containsProperty("spring.data.redis.url"))
        .isFalse();
  }
}
