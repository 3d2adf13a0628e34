package dev.shoal.agent.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.MutableClock;
import dev.shoal.agent.bandwidth.TrafficMeter.Kind;
import dev.shoal.agent.bandwidth.TrafficMeter.Totals;
import dev.shoal.agent.fs.DataDir;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrafficMeterTest {
  static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
  @TempDir Path tmp;

  @Test
  void countsSurviveARestart() {
    DataDir dir = DataDir.open(tmp);
    MutableClock clock = new MutableClock(ZonedDateTime.of(2026, 11, 25, 12, 0, 0, 0, TOKYO));
    TrafficMeter m = TrafficMeter.open(dir, clock, TOKYO);
    m.record(Kind.UPLOADED, 10);
    m.record(Kind.FROM_PEERS, 20);
    m.record(Kind.FROM_ORIGIN, 30);
    m.flush();
    TrafficMeter reopened = TrafficMeter.open(dir, clock, TOKYO);
    assertThat(reopened.today()).isEqualTo(new Totals(20, 30, 10));
    assertThat(reopened.thisMonth()).isEqualTo(new Totals(20, 30, 10));
  }

  @Test
  void dayAndMonthRollOverInThePlayersZone() {
    DataDir dir = DataDir.open(tmp);
    MutableClock clock = new MutableClock(ZonedDateTime.of(2026, 11, 30, 23, 0, 0, 0, TOKYO));
    TrafficMeter m = TrafficMeter.open(dir, clock, TOKYO);
    m.record(Kind.UPLOADED, 5);
    clock.set(ZonedDateTime.of(2026, 12, 1, 0, 0, 0, 0, TOKYO));
    assertThat(m.today().uploaded()).isZero();
    assertThat(m.thisMonth().uploaded()).isZero();
    m.record(Kind.UPLOADED, 7);
    clock.set(ZonedDateTime.of(2026, 12, 2, 9, 0, 0, 0, TOKYO));
    assertThat(m.today().uploaded()).isZero();
    assertThat(m.thisMonth().uploaded()).isEqualTo(7);
    assertThat(m.monthResetsAt()).isEqualTo(ZonedDateTime.of(2027, 1, 1, 0, 0, 0, 0, TOKYO));
  }

  @Test
  void aRestartInANewMonthStartsFromZero() {
    DataDir dir = DataDir.open(tmp);
    MutableClock clock = new MutableClock(ZonedDateTime.of(2026, 11, 30, 23, 0, 0, 0, TOKYO));
    TrafficMeter m = TrafficMeter.open(dir, clock, TOKYO);
    m.record(Kind.UPLOADED, 5);
    m.flush();
    clock.set(ZonedDateTime.of(2026, 12, 1, 8, 0, 0, 0, TOKYO));
    assertThat(TrafficMeter.open(dir, clock, TOKYO).thisMonth().uploaded()).isZero();
  }
}
