package dev.shoal.controlplane.support;

import dev.shoal.controlplane.ShoalControlPlaneApplication;
import dev.shoal.testsupport.ApiClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The control plane started the way {@code main} starts it (for tests of start-up itself), on a
 * random port. Settings go in as command-line arguments, so they win over application.properties.
 */
public final class RunningApp implements AutoCloseable {

  private final ConfigurableApplicationContext context;

  private RunningApp(ConfigurableApplicationContext context) {
    this.context = context;
  }

  public static RunningApp start(Map<String, ?> settings) {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("server.port", 0);
    all.put("spring.main.banner-mode", "off");
    all.put("spring.datasource.hikari.maximum-pool-size", 4);
    // Its own state (master key, uploads, releases) in a temporary directory, unless told.
    all.put("shoal.data-dir", temporaryDataDir());
    all.put("shoal.origin.seeder-bind-address", "127.0.0.1");
    all.putAll(settings);
    List<String> args = new ArrayList<>();
    all.forEach((key, value) -> args.add("--" + key + "=" + value));
    return new RunningApp(
        new SpringApplicationBuilder(ShoalControlPlaneApplication.class)
            .run(args.toArray(String[]::new)));
  }

  private static java.nio.file.Path temporaryDataDir() {
    try {
      return java.nio.file.Files.createTempDirectory("shoal-running-app");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public int port() {
    return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
  }

  public ApiClient http() {
    return ApiClient.anonymous("http://localhost:" + port());
  }

  public <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  @Override
  public void close() {
    context.close();
  }
}
