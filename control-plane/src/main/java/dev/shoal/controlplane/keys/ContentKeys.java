package dev.shoal.controlplane.keys;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Each product's AES-256 content keys, sealed under the master key. New releases use the live key;
 * older keys stay readable so that devices can still be granted the key of an older release.
 */
@Service
public class ContentKeys extends SealedKeyStore {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long LOCK_SPACE = 0x434F4E54L;

  ContentKeys(JdbcClient jdbc, MasterKey masterKey, TransactionTemplate transaction) {
    super(jdbc, masterKey, transaction, LOCK_SPACE);
  }

  /** A content key: the id manifests name, and the 32 key bytes. */
  public record ContentKey(String keyId, byte[] key) {}

  private record Row(UUID id, String keyId, byte[] keySealed) {}

  /** The product's live key, made on first need. */
  public ContentKey current(UUID productId) {
    return current(productId, () -> live(productId), () -> insert(productId));
  }

  /** The key with this id, if it is one of this product's (live or retired). */
  public Optional<ContentKey> find(UUID productId, String keyId) {
    return jdbc.sql(
            "select id, key_id, key_sealed from content_keys where product_id = ? and key_id = ?")
        .params(productId, keyId)
        .query(Row.class)
        .optional()
        .map(this::open);
  }

  /** Retires the live key: releases made from now on use a new one. */
  public ContentKey rotate(UUID productId) {
    return locked(
        productId,
        () -> {
          live(productId).orElseGet(() -> insert(productId));
          jdbc.sql(
                  "update content_keys set retired_at = now()"
                      + " where product_id = ? and retired_at is null")
              .param(productId)
              .update();
          return insert(productId);
        });
  }

  private Optional<ContentKey> live(UUID productId) {
    return jdbc.sql(
            "select id, key_id, key_sealed from content_keys"
                + " where product_id = ? and retired_at is null")
        .param(productId)
        .query(Row.class)
        .optional()
        .map(this::open);
  }

  private ContentKey insert(UUID productId) {
    UUID id = UUID.randomUUID();
    byte[] key = random(32);
    String keyId = HexFormat.of().formatHex(random(16));
    jdbc.sql("insert into content_keys (id, product_id, key_id, key_sealed) values (?, ?, ?, ?)")
        .params(id, productId, keyId, seal(id, key))
        .update();
    return new ContentKey(keyId, key);
  }

  private ContentKey open(Row row) {
    return new ContentKey(row.keyId(), unseal(row.id(), row.keySealed()));
  }

  private static byte[] random(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
