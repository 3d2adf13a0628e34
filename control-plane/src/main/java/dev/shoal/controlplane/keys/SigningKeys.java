package dev.shoal.controlplane.keys;

import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The organisation's release signing keys (Ed25519) and the chain of trust roots over them. The
 * first key and root (version 1, one key, threshold 1, self-signed) are made on first need; a
 * rotation makes a new key and a root signed by the old root's keys and by the new key, so that a
 * device pinned to any earlier root can walk the chain forward.
 */
@Service
public class SigningKeys extends SealedKeyStore {

  // Any constant: serialises key creation and rotation per organisation (with its id's hash).
  private static final long LOCK_SPACE = 0x5349474EL;

  SigningKeys(JdbcClient jdbc, MasterKey masterKey, TransactionTemplate transaction) {
    super(jdbc, masterKey, transaction, LOCK_SPACE);
  }

  /** A signing key in use: its id (as in manifests) and the pair. */
  public record SigningKey(String keyId, KeyPair pair) {}

  /** One trust root: its canonical bytes and the envelope that vouches for it. */
  public record SignedRoot(int version, byte[] root, byte[] envelope) {}

  private record Row(UUID id, String keyId, byte[] publicKey, byte[] privateSealed) {}

  /** The organisation's live signing key, making the first key and trust root if needed. */
  public SigningKey current(UUID organisationId) {
    return current(organisationId, () -> live(organisationId), () -> first(organisationId));
  }

  /** Retires the live key and returns the new one; the new trust root is stored with it. */
  public SigningKey rotate(UUID organisationId) {
    return locked(
        organisationId,
        () -> {
          SigningKey old = live(organisationId).orElseGet(() -> first(organisationId));
          SignedRoot previous = latestRoot(organisationId).orElseThrow();
          jdbc.sql("update signing_keys set retired_at = now() where key_id = ?")
              .param(old.keyId())
              .update();
          SigningKey next = insertKey(organisationId);
          TrustRoot root = TrustRoot.of(previous.version() + 1, 1, null, next.pair().getPublic());
          // Protocol rule: a threshold of the old root's keys and of the new root's keys.
          SignedEnvelope envelope = SignedEnvelope.sign(root.encode(), old.pair(), next.pair());
          TrustRoot.parse(previous.root()).rotate(envelope);
          insertRoot(organisationId, root, envelope);
          return next;
        });
  }

  private static final String ROOTS =
      "select version, root, envelope from trust_roots where organisation_id = ?";

  public Optional<SignedRoot> latestRoot(UUID organisationId) {
    return jdbc.sql(ROOTS + " order by version desc limit 1")
        .param(organisationId)
        .query(SignedRoot.class)
        .optional();
  }

  /** Every root, version 1 first; what a device walks from the root it pinned. */
  public List<SignedRoot> roots(UUID organisationId) {
    current(organisationId);
    return jdbc.sql(ROOTS + " order by version")
        .param(organisationId)
        .query(SignedRoot.class)
        .list();
  }

  /** The first key and trust root (version 1, one key, threshold 1, self-signed). */
  private SigningKey first(UUID organisationId) {
    SigningKey key = insertKey(organisationId);
    TrustRoot root = TrustRoot.of(1, 1, null, key.pair().getPublic());
    insertRoot(organisationId, root, SignedEnvelope.sign(root.encode(), key.pair()));
    return key;
  }

  private Optional<SigningKey> live(UUID organisationId) {
    return jdbc.sql(
            "select id, key_id, public_key, private_sealed from signing_keys"
                + " where organisation_id = ? and retired_at is null")
        .param(organisationId)
        .query(Row.class)
        .optional()
        .map(this::open);
  }

  private SigningKey insertKey(UUID organisationId) {
    KeyPair pair = Ed25519.generate();
    UUID id = UUID.randomUUID();
    byte[] raw = Ed25519.rawPublicKey(pair.getPublic());
    String keyId = Ed25519.keyId(raw);
    jdbc.sql(
            "insert into signing_keys (id, organisation_id, key_id, public_key, private_sealed)"
                + " values (?, ?, ?, ?, ?)")
        .params(id, organisationId, keyId, raw, seal(id, pair.getPrivate().getEncoded()))
        .update();
    return new SigningKey(keyId, pair);
  }

  private void insertRoot(UUID organisationId, TrustRoot root, SignedEnvelope envelope) {
    jdbc.sql(
            "insert into trust_roots (organisation_id, version, root, envelope)"
                + " values (?, ?, ?, ?)")
        .params(organisationId, root.version(), root.encode(), envelope.encode())
        .update();
  }

  private SigningKey open(Row row) {
    PublicKey publicKey = Ed25519.publicKey(row.publicKey());
    byte[] pkcs8 = unseal(row.id(), row.privateSealed());
    return new SigningKey(row.keyId(), new KeyPair(publicKey, Ed25519.privateKey(pkcs8)));
  }
}
