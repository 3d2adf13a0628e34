package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The dialling rules on a clock of our own: whom a torrent dials, and after how long. */
class DiallerTest {
  private static final long S = 1_000_000_000L;
  private static final InetSocketAddress A = new InetSocketAddress("127.0.0.1", 7001);
  private static final InetSocketAddress B = new InetSocketAddress("127.0.0.1", 7002);

  private final Dialler dialler = new Dialler();

  private List<InetSocketAddress> dial(long now, boolean complete) {
    List<InetSocketAddress> out = new ArrayList<>();
    dialler.dialDue(now, complete, Set.of(), a -> true, out::add);
    return out;
  }

  @Test
  void backOffDoublesPerFailureAndIsCapped() {
    dialler.addFromTracker(List.of(A));
    dialler.addDirect(List.of(B));
    assertThat(dial(0, false)).containsExactly(A, B);
    List<Long> tracker = new ArrayList<>();
    List<Long> direct = new ArrayList<>();
    long now = 0;
    for (int i = 0; i < 7; i++) {
      dialler.failed(A, now);
      dialler.failed(B, now);
      tracker.add(dialler.candidate(A).nextAttemptNanos - now);
      direct.add(dialler.candidate(B).nextAttemptNanos - now);
      now += 100 * S;
      assertThat(dial(now, false)).containsExactly(A, B);
    }
    assertThat(tracker).containsExactly(1 * S, 2 * S, 4 * S, 8 * S, 16 * S, 30 * S, 30 * S);
    assertThat(direct).containsExactly(1 * S, 2 * S, 2 * S, 2 * S, 2 * S, 2 * S, 2 * S);
  }

  @Test
  void aPeerThatDroppedUsIsRedialledAfterASecondAndBacksOffIfItKeepsDropping() {
    dialler.addFromTracker(List.of(A));
    assertThat(dial(0, true)).containsExactly(A);
    dialler.disconnected(A, 60 * S, 60 * S, false); // a long connection ends
    assertThat(dial(60 * S + S / 2, true)).isEmpty();
    assertThat(dial(61 * S, true)).containsExactly(A);
    dialler.disconnected(A, 62 * S, S, false); // dropped us again at once
    assertThat(dialler.candidate(A).nextAttemptNanos).isEqualTo(64 * S);
    assertThat(dial(64 * S, true)).containsExactly(A);
    dialler.disconnected(A, 65 * S, S, false);
    assertThat(dialler.candidate(A).nextAttemptNanos).isEqualTo(69 * S);
  }

  @Test
  void aPeerThatDialledUsIsDialledBackAtWhereItListens() {
    dialler.disconnected(B, 10 * S, 20 * S, false);
    assertThat(dial(11 * S, true)).containsExactly(B);
  }

  @Test
  void aSeedIsNotDialledWhileWeAreCompleteButIsWhileWeDownload() {
    dialler.addFromTracker(List.of(A));
    assertThat(dial(0, true)).containsExactly(A);
    dialler.disconnected(A, S, S, true); // "both complete"
    for (long t = 2 * S; t < 120 * S; t += S) {
      assertThat(dial(t, true)).isEmpty();
    }
    assertThat(dial(120 * S, false)).containsExactly(A);
  }

  @Test
  void aSeedThatDialledUsIsNotRemembered() {
    dialler.disconnected(B, 10 * S, 20 * S, true);
    assertThat(dialler.candidate(B)).isNull();
  }

  @Test
  void aPeerThatIsConnectedOrReachedIsNotDialledAgain() {
    dialler.addFromTracker(List.of(A, B));
    assertThat(dial(0, false)).containsExactly(A, B);
    assertThat(dial(10 * S, false)).isEmpty(); // both still connected
    List<InetSocketAddress> out = new ArrayList<>();
    dialler.failed(A, 0);
    dialler.failed(B, 0);
    dialler.dialDue(10 * S, false, Set.of(A), a -> !a.equals(B), out::add);
    assertThat(out).isEmpty(); // A dialled us meanwhile; B is refused by the engine's limits
  }

  @Test
  void aLearnedPeerThatHasGoneIsForgottenButATrackerPeerIsNot() {
    dialler.addFromTracker(List.of(A));
    dialler.disconnected(B, 0, 20 * S, false);
    for (int i = 0; i < Dialler.LEARNED_MAX_FAILURES; i++) {
      dialler.failed(A, 0);
      dialler.failed(B, 0);
    }
    assertThat(dialler.candidate(A)).isNotNull();
    assertThat(dialler.candidate(B)).isNull();
    dialler.addFromTracker(List.of(B)); // listed again: dialled again
    assertThat(dial(0, false)).contains(B);
  }

  @Test
  void dialsAtMostAFewPerTick() {
    List<InetSocketAddress> many = new ArrayList<>();
    for (int i = 0; i < 3 * Dialler.MAX_DIALS_PER_TICK; i++) {
      many.add(new InetSocketAddress("127.0.0.1", 8000 + i));
    }
    dialler.addFromTracker(many);
    assertThat(dial(0, true)).hasSize(Dialler.MAX_DIALS_PER_TICK);
    assertThat(dial(0, true)).hasSize(Dialler.MAX_DIALS_PER_TICK);
  }
}
