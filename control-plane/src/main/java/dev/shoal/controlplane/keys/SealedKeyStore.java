package dev.shoal.controlplane.keys;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the signing and the content key stores share: secrets sealed under the master key, and an
 * owner's (organisation's, product's) keys changed under a lock of its own, so that the first key
 * is made once even when requests race, and a rotation never meets a half-made key.
 */
abstract class SealedKeyStore {

  protected final JdbcClient jdbc;
  private final MasterKey masterKey;
  private final TransactionTemplate transaction;
  // Any constant per store: with the owner id's hash, it names the owner's advisory lock.
  private final long lockSpace;

  SealedKeyStore(
      JdbcClient jdbc, MasterKey masterKey, TransactionTemplate transaction, long lockSpace) {
    this.jdbc = jdbc;
    this.masterKey = masterKey;
    this.transaction = transaction;
    this.lockSpace = lockSpace;
  }

  /** Seals a secret under the master key, bound to its row's id. */
  protected byte[] seal(UUID rowId, byte[] secret) {
    return masterKey.seal(rowId, secret);
  }

  protected byte[] unseal(UUID rowId, byte[] sealed) {
    return masterKey.open(rowId, sealed);
  }

  /** The owner's live key, or the first one made by {@code create} under the owner's lock. */
  protected <K> K current(UUID owner, Supplier<Optional<K>> live, Supplier<K> create) {
    return live.get().orElseGet(() -> locked(owner, () -> live.get().orElseGet(create)));
  }

  /** In one transaction that holds the owner's lock from the start. */
  protected <T> T locked(UUID owner, Supplier<T> work) {
    return transaction.execute(
        s -> {
          // Held until the transaction ends.
          jdbc.sql("select pg_advisory_xact_lock(?, hashtext(?))")
              .params((int) lockSpace, owner.toString())
              .query()
              .singleRow();
          return work.get();
        });
  }
}
