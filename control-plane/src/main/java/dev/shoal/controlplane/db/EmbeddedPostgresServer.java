package dev.shoal.controlplane.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server whose data lives in {@code <data-dir>/postgres} and survives restarts, for
 * running the control plane with nothing installed. Only one control plane may use a data directory
 * at a time: a file lock in the data directory guards it.
 */
final class EmbeddedPostgresServer implements AutoCloseable {

  static final String DATABASE = "shoal";
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

  private final FileChannel lockChannel;
  private final FileLock lock;
  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(
      FileChannel lockChannel, FileLock lock, EmbeddedPostgres postgres) {
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.postgres = postgres;
  }

  static EmbeddedPostgresServer start(Path dataDir, int port) {
    try {
      Files.createDirectories(dataDir);
      FileChannel channel =
          FileChannel.open(
              dataDir.resolve("control-plane.lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      FileLock lock = tryLock(channel);
      if (lock == null) {
        channel.close();
        throw new IllegalStateException(
            "Data directory "
                + dataDir.toAbsolutePath()
                + " is in use by another Shoal control plane; stop it or set shoal.data-dir");
      }
      return new EmbeddedPostgresServer(
          channel, lock, startPostgres(dataDir.resolve("postgres"), port));
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start embedded PostgreSQL in " + dataDir, e);
    }
  }

  // The JVM reports a lock it holds itself by throwing, another process's by returning null.
  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  private static EmbeddedPostgres startPostgres(Path pgData, int port) throws IOException {
    // We hold the data-dir lock, so a postmaster still running on this directory is an orphan
    // of a control plane that was killed.
    StalePostmaster.clear(pgData);
    long started = System.nanoTime();
    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(pgData)
            .setCleanDataDirectory(false)
            .setPort(port)
            // Stopped by Spring, after the web server's graceful shutdown and the connection pool:
            // zonky's own JVM hook would stop it at the first signal, under requests still running.
            .setRegisterShutdownHook(false)
            // zonky tunes for throw-away test databases (fsync and synchronous commit off);
            // this one keeps a publisher's data, so it must survive a power cut.
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_connections", "100")
            .start();
    createDatabaseIfMissing(postgres);
    log.info(
        "Embedded PostgreSQL started on port {} with data in {} ({} ms)",
        postgres.getPort(),
        pgData.toAbsolutePath(),
        (System.nanoTime() - started) / 1_000_000);
    return postgres;
  }

  private static void createDatabaseIfMissing(EmbeddedPostgres postgres) throws IOException {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      var rs = s.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'");
      if (!rs.next()) {
        s.execute("create database " + DATABASE);
      }
    } catch (SQLException e) {
      throw new IOException("Could not create database " + DATABASE, e);
    }
  }

  String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", DATABASE);
  }

  @Override
  public void close() throws IOException {
    try {
      postgres.close();
      log.info("Embedded PostgreSQL stopped");
    } finally {
      lock.release();
      lockChannel.close();
    }
  }
}
