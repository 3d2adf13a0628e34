package dev.shoal.agent.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalTime;
import org.junit.jupiter.api.Test;

class UploadHoursTest {
  @Test
  void sameDayWindowIsStartInclusiveEndExclusive() {
    UploadHours h = UploadHours.parse("01:00-07:00");
    assertThat(h.contains(LocalTime.of(0, 59))).isFalse();
    assertThat(h.contains(LocalTime.of(1, 0))).isTrue();
    assertThat(h.contains(LocalTime.of(6, 59))).isTrue();
    assertThat(h.contains(LocalTime.of(7, 0))).isFalse();
  }

  @Test
  void windowWrapsMidnight() {
    UploadHours h = UploadHours.parse("23:00\u201307:00");
    assertThat(h.contains(LocalTime.of(22, 59))).isFalse();
    assertThat(h.contains(LocalTime.of(23, 30))).isTrue();
    assertThat(h.contains(LocalTime.MIDNIGHT)).isTrue();
    assertThat(h.contains(LocalTime.of(6, 0))).isTrue();
    assertThat(h.contains(LocalTime.of(7, 0))).isFalse();
    assertThat(h.contains(LocalTime.NOON)).isFalse();
    assertThat(h.toString()).isEqualTo("23:00\u201307:00");
    assertThat(h.asText()).isEqualTo("23:00-07:00");
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> UploadHours.parse("01:00-01:00"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UploadHours.parse("late"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UploadHours.parse("25:00-07:00"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
