package dev.shoal.controlplane.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The origin's egress counters: the total holds the HTTP origin's and the seeder's bytes. */
class OriginTrafficTest {

  @Test
  void theTotalEgressCountsTheSeederAsWellAsHttp() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    OriginTraffic traffic = new OriginTraffic(meters);
    new OriginEgress(meters, traffic);
    AtomicLong seeded = new AtomicLong();
    String hash = "ab".repeat(20);
    traffic.seeding(hash, seeded::get);

    // What the README's run shows: everything came from the seeder, nothing over HTTP.
    seeded.set(77_000_000);
    assertThat(traffic.drain().get(hash).seederBytes()).isEqualTo(77_000_000);

    assertThat(meters.get("shoal.origin.seeder.egress").counter().count()).isEqualTo(77e6);
    assertThat(meters.get("shoal.origin.http.egress").counter().count()).isZero();
    assertThat(meters.get("shoal.origin.egress").counter().count()).isEqualTo(77e6);
    // Drained again with nothing new: nothing counted twice.
    traffic.drain();
    assertThat(meters.get("shoal.origin.egress").counter().count()).isEqualTo(77e6);
  }
}
