package dev.shoal.controlplane.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.product.Products;
import dev.shoal.controlplane.support.RunningApp;
import dev.shoal.testsupport.ApiClient.Credentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/** With no spring.datasource.url, the control plane runs its own PostgreSQL in the data dir. */
@ExtendWith(OutputCaptureExtension.class)
class EmbeddedDatabaseTest {

  @TempDir Path dataDir;

  @Test
  void itsDataSurvivesARestartEvenAfterACrashLeftAStalePidFile(CapturedOutput output)
      throws Exception {
    Map<String, Object> settings = Map.of("shoal.data-dir", dataDir);
    Path pidFile = dataDir.resolve("postgres/postmaster.pid");
    try (RunningApp app = RunningApp.start(settings)) {
      UUID organisation = app.bean(Organisations.class).findBySlug("default").orElseThrow().id();
      app.bean(Products.class).create(organisation, "kept", "Kept across restarts");
      JdbcClient jdbc = app.bean(JdbcClient.class);
      assertThat(jdbc.sql("show fsync").query(String.class).single()).isEqualTo("on");
      assertThat(jdbc.sql("select current_database()").query(String.class).single())
          .isEqualTo("shoal");
      assertThat(app.http().get("/actuator/health/readiness", Credentials.NONE).status())
          .isEqualTo(200);
      assertThat(pidFile).exists();

      assertThatThrownBy(() -> RunningApp.start(settings))
          .rootCause()
          .hasMessageContaining("is in use by another Shoal control plane");
    }
    assertThat(pidFile).as("PostgreSQL stopped with the control plane").doesNotExist();

    Files.writeString(pidFile, deadPid() + "\n" + dataDir.resolve("postgres") + "\n");
    try (RunningApp app = RunningApp.start(settings)) {
      UUID organisation = app.bean(Organisations.class).findBySlug("default").orElseThrow().id();
      assertThat(app.bean(Products.class).get(organisation, "kept").name())
          .isEqualTo("Kept across restarts");
      assertThat(output.getOut())
          .contains("Removing stale")
          .contains("An admin user exists already");
    }
  }

  private static long deadPid() throws Exception {
    Process process = new ProcessBuilder("true").start();
    process.waitFor();
    return process.pid();
  }
}
