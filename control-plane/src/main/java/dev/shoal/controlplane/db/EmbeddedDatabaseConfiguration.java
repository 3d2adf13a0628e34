package dev.shoal.controlplane.db;

import com.zaxxer.hikari.HikariDataSource;
import dev.shoal.controlplane.config.ShoalProperties;
import javax.sql.DataSource;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * With no {@code spring.datasource.url} (env {@code SPRING_DATASOURCE_URL}), the control plane
 * starts its own PostgreSQL so that one command runs it on a fresh machine. Our {@link DataSource}
 * bean makes Boot's DataSource auto-configuration back off; Flyway and everything else then run on
 * it exactly as on an external server.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedDatabaseConfiguration.NoDatasourceUrl.class)
class EmbeddedDatabaseConfiguration {

  // Spring closes the DataSource before the server it depends on.
  @Bean(destroyMethod = "close")
  EmbeddedPostgresServer embeddedPostgresServer(ShoalProperties properties) {
    return EmbeddedPostgresServer.start(properties.dataDir(), properties.embeddedDatabase().port());
  }

  // Binds spring.datasource.hikari.* as Boot does for its own pool.
  @Bean
  @ConfigurationProperties("spring.datasource.hikari")
  HikariDataSource dataSource(EmbeddedPostgresServer server) {
    return DataSourceBuilder.create()
        .type(HikariDataSource.class)
        .url(server.jdbcUrl())
        .username("postgres")
        .build();
  }

  static class NoDatasourceUrl implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return !StringUtils.hasText(context.getEnvironment().getProperty("spring.datasource.url"));
    }
  }
}
