package dev.shoal.protocol.signing;

import dev.shoal.protocol.Hex;
import dev.shoal.protocol.ProtocolException;
import dev.shoal.protocol.json.CanonicalJsonWriter;
import dev.shoal.protocol.json.StrictJson;
import dev.shoal.protocol.json.StrictJson.Obj;
import dev.shoal.protocol.json.Timestamps;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The set of publisher keys a client trusts, with an m-of-n threshold. Clients pin one root and
 * move to newer ones only through {@link #rotate}.
 *
 * @param version starts at 1 and grows by exactly one per rotation
 * @param threshold how many distinct keys must sign
 * @param keys key id to Ed25519 public key
 * @param expiresAt when this root stops verifying anything; null for never
 */
public record TrustRoot(
    int version, int threshold, Map<String, PublicKey> keys, Instant expiresAt) {
  public static final int MAX_KEYS = 32;
  private static final int MAX_ENCODED_BYTES = 16 << 10;

  public TrustRoot {
    if (version < 1) {
      throw new IllegalArgumentException("version: must be >= 1");
    }
    if (keys.isEmpty() || keys.size() > MAX_KEYS) {
      throw new IllegalArgumentException("keys: need 1.." + MAX_KEYS + " keys");
    }
    if (threshold < 1 || threshold > keys.size()) {
      throw new IllegalArgumentException(
          "threshold: " + threshold + " outside 1.." + keys.size() + " (the number of keys)");
    }
    SortedMap<String, PublicKey> sorted = new TreeMap<>();
    for (Map.Entry<String, PublicKey> e : keys.entrySet()) {
      if (!Ed25519.keyId(e.getValue()).equals(e.getKey())) {
        throw new IllegalArgumentException("keys." + e.getKey() + ": key id does not match key");
      }
      sorted.put(e.getKey(), e.getValue());
    }
    keys = Collections.unmodifiableSortedMap(sorted);
    if (expiresAt != null) {
      Timestamps.require(expiresAt, "expiresAt");
    }
  }

  /** A root over {@code publicKeys}, each under its key id. */
  public static TrustRoot of(
      int version, int threshold, Instant expiresAt, PublicKey... publicKeys) {
    Map<String, PublicKey> map = new TreeMap<>();
    for (PublicKey k : publicKeys) {
      map.put(Ed25519.keyId(k), k);
    }
    return new TrustRoot(version, threshold, map, expiresAt);
  }

  public boolean isExpired(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }

  /** Ids of this root's keys that made a valid signature over the envelope's exact payload. */
  public Set<String> validSigners(SignedEnvelope envelope) {
    byte[] payload = envelope.payload();
    Set<String> signers = new TreeSet<>();
    for (SignedEnvelope.Sig sig : envelope.signatures()) {
      PublicKey key = keys.get(sig.keyId());
      // Unknown ids are ignored, and a second signature by one key adds nothing.
      if (key != null
          && !signers.contains(sig.keyId())
          && Ed25519.verify(key, payload, sig.signature())) {
        signers.add(sig.keyId());
      }
    }
    return signers;
  }

  /** True if at least {@link #threshold} distinct keys of this root signed the payload. */
  public boolean isSatisfiedBy(SignedEnvelope envelope) {
    return validSigners(envelope).size() >= threshold;
  }

  /**
   * Accepts the next root. The envelope's payload must be the new root's canonical encoding, its
   * version must be exactly ours + 1, and a threshold of our keys and a threshold of its own keys
   * must have signed it: the old keys vouch for the change and the new keys prove possession.
   *
   * @throws RotationRejectedException saying which rule failed
   */
  public TrustRoot rotate(SignedEnvelope envelope) {
    TrustRoot next;
    try {
      next = parse(envelope.payload());
    } catch (ProtocolException e) {
      throw new RotationRejectedException("new root is malformed: " + e.getMessage());
    }
    if (next.version != version + 1) {
      throw new RotationRejectedException(
          "new root version " + next.version + " is not " + (version + 1));
    }
    int oldSigners = validSigners(envelope).size();
    if (oldSigners < threshold) {
      throw new RotationRejectedException(
          "signed by " + oldSigners + " keys of root v" + version + ", needs " + threshold);
    }
    int newSigners = next.validSigners(envelope).size();
    if (newSigners < next.threshold) {
      throw new RotationRejectedException(
          "signed by " + newSigners + " of its own keys, needs " + next.threshold);
    }
    return next;
  }

  /**
   * Canonical JSON: {"expiresAt":..|null,"keys":{keyId:base64 raw key},"threshold":n,"version":n}.
   */
  public byte[] encode() {
    CanonicalJsonWriter w = new CanonicalJsonWriter().beginObject();
    w.field("expiresAt", expiresAt).name("keys").beginObject();
    for (Map.Entry<String, PublicKey> e : keys.entrySet()) {
      w.field(e.getKey(), Ed25519.rawPublicKey(e.getValue()));
    }
    w.endObject().field("threshold", threshold).field("version", version);
    return w.endObject().toBytes();
  }

  /**
   * Strictly parses the canonical encoding.
   *
   * @throws ProtocolException naming the offending field
   */
  public static TrustRoot parse(byte[] bytes) {
    if (bytes.length > MAX_ENCODED_BYTES) {
      throw new ProtocolException("trust root: " + bytes.length + " bytes exceeds limit");
    }
    Obj o =
        StrictJson.parseObject(bytes, "root")
            .requireFields("expiresAt", "keys", "threshold", "version");
    Instant expiresAt = o.nullableInstant("expiresAt");
    int version = (int) o.integer("version", 1, Integer.MAX_VALUE);
    int threshold = (int) o.integer("threshold", 1, MAX_KEYS);
    Obj keyObj = o.object("keys");
    Map<String, PublicKey> keys = new TreeMap<>();
    for (String keyId : keyObj.names(MAX_KEYS)) {
      String where = "root.keys." + (keyId.length() > 40 ? keyId.substring(0, 40) : keyId);
      if (!Hex.isLowerHex(keyId, 32)) {
        throw new ProtocolException(where + ": key id must be 32 lowercase hex digits");
      }
      try {
        keys.put(keyId, Ed25519.publicKey(keyObj.base64(keyId, Ed25519.PUBLIC_KEY_BYTES)));
      } catch (IllegalArgumentException e) {
        throw new ProtocolException(where + ": " + e.getMessage(), e);
      }
    }
    TrustRoot root;
    try {
      root = new TrustRoot(version, threshold, keys, expiresAt);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("root." + e.getMessage(), e);
    }
    StrictJson.requireCanonical(bytes, root.encode(), "root");
    return root;
  }
}
