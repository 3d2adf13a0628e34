package dev.shoal.agent.consent;

import dev.shoal.agent.controlplane.ControlPlane;
import dev.shoal.agent.controlplane.ControlPlaneException;
import dev.shoal.agent.controlplane.Enrolment;
import dev.shoal.agent.controlplane.EnrolmentStore;
import dev.shoal.agent.threads.DaemonThreads;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sends the consent records the ledger queued to the control plane the device is enrolled with; a
 * record leaves the outbox only once the control plane has it. Thread-safe.
 */
public final class ConsentOutbox implements AutoCloseable {
  private final ConsentLedger ledger;
  private final EnrolmentStore enrolments;
  private final ScheduledExecutorService sender =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("shoal-agent-outbox"));

  public ConsentOutbox(ConsentLedger ledger, EnrolmentStore enrolments) {
    this.ledger = ledger;
    this.enrolments = enrolments;
  }

  /** Sends what is queued every {@code period} while enrolled, starting now. */
  public void sendEvery(Duration period) {
    long ms = period.toMillis();
    sender.scheduleWithFixedDelay(this::flush, 0, ms, TimeUnit.MILLISECONDS);
  }

  /** Sends what is queued now; returns how many records the control plane took. */
  public int flush() {
    Optional<Enrolment> e = enrolments.current();
    if (e.isEmpty()) {
      return 0;
    }
    ControlPlane cp = enrolments.client(e.get());
    int sent = 0;
    try {
      for (String line : ledger.outbox()) {
        try {
          cp.consent(line);
        } catch (ControlPlaneException ex) {
          if (ex.retryable()) {
            break; // try again later, in order
          }
          log("the control plane refused a consent record (dropped): " + ex.getMessage());
        }
        sent++;
      }
    } catch (RuntimeException ex) {
      log("sending consent records failed: " + ex);
    }
    ledger.removeSentFromOutbox(sent);
    return sent;
  }

  private static void log(String message) {
    System.err.println("shoal-agent: " + message);
  }

  @Override
  public void close() {
    sender.shutdownNow();
  }
}
