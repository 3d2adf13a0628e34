package dev.shoal.controlplane.keys;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the signing and the content key stores share: secrets sealed under the master key, and an
 * owner's (organisation's, product's) keys changed under a lock of its own, so that the first key
 * is made once even when requests race, and a rotation never meets a half-made key.
 */
@Component
class KeyVault {

  private final JdbcClient jdbc;
  private final MasterKey masterKey;
  private final TransactionTemplate transaction;

  KeyVault(JdbcClient jdbc, MasterKey masterKey, TransactionTemplate transaction) {
    this.jdbc = jdbc;
    this.masterKey = masterKey;
    this.transaction = transaction;
  }

  /** Seals a secret under the master key, bound to its row's id. */
  byte[] seal(UUID rowId, byte[] secret) {
    return masterKey.seal(rowId, secret);
  }

  byte[] open(UUID rowId, byte[] sealed) {
    return masterKey.open(rowId, sealed);
  }

  /** The owner's live key, or the first one made by {@code create} under the owner's lock. */
  <K> K current(long lockSpace, UUID owner, Supplier<Optional<K>> live, Supplier<K> create) {
    return live.get().orElseGet(() -> locked(lockSpace, owner, () -> live.get().orElseGet(create)));
  }

  /** In one transaction that holds the owner's lock from the start. */
  <T> T locked(long lockSpace, UUID owner, Supplier<T> work) {
    return transaction.execute(
        s -> {
          lock(lockSpace, owner);
          return work.get();
        });
  }

  /** Held until the transaction ends; taking it again in the same transaction is a no-op. */
  private void lock(long lockSpace, UUID owner) {
    jdbc.sql("select pg_advisory_xact_lock(?, hashtext(?))")
        .params((int) lockSpace, owner.toString())
        .query()
        .singleRow();
  }
}
