package dev.shoal.controlplane.health;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.origin.OriginTraffic;
import dev.shoal.controlplane.tracker.Tracker;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every {@code shoal.health.sample-interval}, writes the tracker's swarms (devices per info hash,
 * and how many offer uploads) and the origin's bytes per pack since the previous sample into the
 * database, for the swarm-health charts. Hourly, drops samples older than {@code
 * shoal.health.retention}. If a write fails, that interval's origin bytes are lost (logged).
 */
@Component
class HealthSampler {

  private static final Logger log = LoggerFactory.getLogger(HealthSampler.class);

  private final JdbcClient jdbc;
  private final TransactionTemplate transactions;
  private final Tracker tracker;
  private final OriginTraffic origin;
  private final Duration retention;
  private final Clock clock = Clock.systemUTC();

  HealthSampler(
      JdbcClient jdbc,
      TransactionTemplate transactions,
      Tracker tracker,
      OriginTraffic origin,
      ShoalProperties properties) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.tracker = tracker;
    this.origin = origin;
    this.retention = properties.health().retention();
  }

  @Scheduled(
      fixedDelayString = "${shoal.health.sample-interval:45s}",
      initialDelayString = "${shoal.health.sample-interval:45s}")
  void scheduled() {
    try {
      sample();
    } catch (RuntimeException e) {
      log.warn("Could not record a swarm-health sample: {}", e.toString());
    }
  }

  /** Takes one sample now; returns its id. */
  long sample() {
    OffsetDateTime now = OffsetDateTime.now(clock);
    Map<String, Tracker.SwarmCount> swarms = tracker.swarmCounts();
    Map<String, OriginTraffic.Egress> egress = origin.drain();
    Long id =
        transactions.execute(
            status -> {
              long sample =
                  jdbc.sql("insert into health_samples (sampled_at) values (?) returning id")
                      .param(now)
                      .query(Long.class)
                      .single();
              swarms.forEach(
                  (hash, count) ->
                      jdbc.sql(
                              "insert into swarm_samples (sample_id, info_hash, peers,"
                                  + " uploading_peers) values (?, ?, ?, ?)")
                          .params(sample, hash, count.peers(), count.uploadingPeers())
                          .update());
              egress.forEach(
                  (hash, bytes) ->
                      jdbc.sql(
                              "insert into origin_egress (sample_id, info_hash, http_bytes,"
                                  + " seeder_bytes) values (?, ?, ?, ?)")
                          .params(sample, hash, bytes.httpBytes(), bytes.seederBytes())
                          .update());
              return sample;
            });
    return id;
  }

  @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
  void purge() {
    try {
      int dropped =
          jdbc.sql("delete from health_samples where sampled_at < ?")
              .param(OffsetDateTime.now(clock).minus(retention))
              .update();
      if (dropped > 0) {
        log.info("Dropped {} swarm-health samples older than {}", dropped, retention);
      }
    } catch (RuntimeException e) {
      log.warn("Could not drop old swarm-health samples: {}", e.toString());
    }
  }
}
