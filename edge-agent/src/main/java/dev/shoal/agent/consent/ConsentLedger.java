package dev.shoal.agent.consent;

import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.consent.ConsentRecord.Decision;
import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.json.Json;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;

/**
 * The player's answers. Every answer is appended (fsync'd) to {@code consent/consent-log.jsonl};
 * the current state is the last record per scope. Each record is also appended to {@code
 * outbox/consent.jsonl} for the control plane (sent by the agent once it is enrolled).
 *
 * <p>Listeners run synchronously on the caller's thread. A withdrawal takes effect in memory and
 * reaches listeners <em>before</em> it is written, so sharing stops even if the disk is full; a
 * grant is written first and only then takes effect.
 */
public final class ConsentLedger {
  private final DataDir dataDir;
  private final Path log;
  private final Path outbox;
  private final String deviceId;
  private final Clock clock;
  private final ConsentTexts texts;
  private final Supplier<BandwidthSettings> settings;
  private final Map<ConsentScope, ConsentRecord> current = new EnumMap<>(ConsentScope.class);
  private final List<Consumer<ConsentRecord>> listeners = new CopyOnWriteArrayList<>();
  // One answer at a time: log order, in-memory state and listener order always agree.
  private final Object order = new Object();

  private ConsentLedger(
      DataDir dataDir,
      String deviceId,
      Clock clock,
      ConsentTexts texts,
      Supplier<BandwidthSettings> settings) {
    this.dataDir = dataDir;
    this.log = dataDir.consentDir().resolve("consent-log.jsonl");
    this.outbox = dataDir.outboxDir().resolve("consent.jsonl");
    this.deviceId = Objects.requireNonNull(deviceId);
    this.clock = clock;
    this.texts = texts;
    this.settings = settings;
  }

  /** Opens the ledger and replays the log. {@code settings} supplies the numbers texts show. */
  public static ConsentLedger open(
      DataDir dataDir,
      String deviceId,
      Clock clock,
      ConsentTexts texts,
      Supplier<BandwidthSettings> settings) {
    ConsentLedger ledger = new ConsentLedger(dataDir, deviceId, clock, texts, settings);
    ledger.replay();
    return ledger;
  }

  private void replay() {
    String content = dataDir.readString(log).orElse("");
    String[] lines = content.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      try {
        ConsentRecord r = Json.MAPPER.readValue(lines[i], ConsentRecord.class);
        current.put(r.scope(), r);
      } catch (JacksonException e) {
        // Only a torn final line (crash mid-append, never acknowledged) is survivable.
        if (i < lines.length - 1) {
          throw new IllegalStateException(
              "consent log " + log + " is corrupt at line " + (i + 1), e);
        }
      }
    }
  }

  public ConsentTexts texts() {
    return texts;
  }

  /**
   * Records a yes for the text with this hash. Refused when the hash is not a text the agent would
   * show now for this scope (unknown, tampered, or rendered with settings that since changed).
   */
  public ConsentRecord grant(ConsentScope scope, String textSha256, AskedWhere where) {
    ConsentText text =
        texts
            .find(scope, Objects.requireNonNull(textSha256, "textSha256"), settings.get())
            .orElseThrow(
                () ->
                    new ConsentRefusedException(
                        "the consent text with hash "
                            + textSha256
                            + " is not one this agent shows for "
                            + scope.shortName()
                            + " now; fetch the current text and ask again"));
    ConsentRecord r =
        new ConsentRecord(
            deviceId,
            scope,
            Decision.GRANTED,
            clock.instant(),
            where,
            text.id(),
            text.version(),
            text.locale(),
            text.sha256());
    synchronized (order) {
      persist(r);
      apply(r);
    }
    return r;
  }

  /** Records a no. Always accepted, no text needed: stopping must be as easy as starting. */
  public ConsentRecord withdraw(ConsentScope scope, AskedWhere where) {
    synchronized (order) {
      return withdrawInOrder(scope, where);
    }
  }

  private ConsentRecord withdrawInOrder(ConsentScope scope, AskedWhere where) {
    ConsentRecord previous = current(scope).orElse(null);
    boolean hadText = previous != null && previous.granted();
    ConsentRecord r =
        new ConsentRecord(
            deviceId,
            scope,
            Decision.WITHDRAWN,
            clock.instant(),
            where,
            hadText ? previous.textId() : null,
            hadText ? previous.textVersion() : null,
            hadText ? previous.textLocale() : null,
            hadText ? previous.textSha256() : null);
    synchronized (order) {
      apply(r);
      persist(r);
    }
    return r;
  }

  public synchronized Optional<ConsentRecord> current(ConsentScope scope) {
    return Optional.ofNullable(current.get(scope));
  }

  public boolean isGranted(ConsentScope scope) {
    return current(scope).map(ConsentRecord::granted).orElse(false);
  }

  /** Listeners get every new record, on the thread that recorded it. */
  public void addListener(Consumer<ConsentRecord> listener) {
    listeners.add(listener);
  }

  /** The records queued for the control plane, oldest first, as their JSON lines. */
  public synchronized List<String> outbox() {
    return dataDir.readString(outbox).map(s -> s.lines().toList()).orElse(List.of());
  }

  /**
   * Drops the first {@code sent} records of the outbox, once the control plane has them. Records
   * are only ever appended, so a prefix read earlier is still the prefix now.
   */
  public synchronized void removeSentFromOutbox(int sent) {
    List<String> lines = outbox();
    if (sent <= 0 || lines.isEmpty()) {
      return;
    }
    List<String> rest = lines.subList(Math.min(sent, lines.size()), lines.size());
    dataDir.writeAtomically(outbox, rest.isEmpty() ? "" : String.join("\n", rest) + "\n");
  }

  private synchronized void persist(ConsentRecord r) {
    String line = Json.MAPPER.writeValueAsString(r);
    dataDir.appendLine(log, line);
    dataDir.appendLine(outbox, line);
  }

  private void apply(ConsentRecord r) {
    synchronized (this) {
      current.put(r.scope(), r);
    }
    for (Consumer<ConsentRecord> l : listeners) {
      l.accept(r);
    }
  }
}
