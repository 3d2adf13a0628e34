package dev.shoal.protocol.crypto;

import dev.shoal.protocol.ProtocolException;
import dev.shoal.protocol.json.CanonicalJsonWriter;
import dev.shoal.protocol.json.StrictJson;
import dev.shoal.protocol.json.StrictJson.Obj;
import dev.shoal.protocol.json.Text;
import java.util.Arrays;
import java.util.Objects;

/**
 * A content key wrapped for one device by {@link KeyWrap}.
 *
 * @param contentKeyId which content key this is (bound into the key derivation and the AAD)
 * @param ephemeralPublicKey raw 32-byte X25519 public key of the sender's one-time key
 * @param nonce 12-byte AES-GCM nonce
 * @param ciphertext the encrypted 32-byte key plus the 16-byte tag
 */
public record WrappedKey(
    String contentKeyId, byte[] ephemeralPublicKey, byte[] nonce, byte[] ciphertext) {
  public static final int MAX_KEY_ID_LENGTH = 128;
  private static final int CIPHERTEXT_BYTES = ChunkCipher.KEY_BYTES + ChunkCipher.TAG_BYTES;

  public WrappedKey {
    Text.requireToken(contentKeyId, MAX_KEY_ID_LENGTH, "contentKeyId");
    if (ephemeralPublicKey.length != X25519.KEY_BYTES) {
      throw new IllegalArgumentException("ephemeralPublicKey: must be 32 bytes");
    }
    if (nonce.length != ChunkCipher.NONCE_BYTES) {
      throw new IllegalArgumentException("nonce: must be 12 bytes");
    }
    if (ciphertext.length != CIPHERTEXT_BYTES) {
      throw new IllegalArgumentException("ciphertext: must be " + CIPHERTEXT_BYTES + " bytes");
    }
    ephemeralPublicKey = ephemeralPublicKey.clone();
    nonce = nonce.clone();
    ciphertext = ciphertext.clone();
  }

  @Override
  public byte[] ephemeralPublicKey() {
    return ephemeralPublicKey.clone();
  }

  @Override
  public byte[] nonce() {
    return nonce.clone();
  }

  @Override
  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  /** Canonical JSON with base64 byte fields. */
  public byte[] encode() {
    return new CanonicalJsonWriter()
        .beginObject()
        .field("ciphertext", ciphertext)
        .field("contentKeyId", contentKeyId)
        .field("ephemeralPublicKey", ephemeralPublicKey)
        .field("nonce", nonce)
        .endObject()
        .toBytes();
  }

  /**
   * @throws ProtocolException on anything but the canonical encoding
   */
  public static WrappedKey parse(byte[] bytes) {
    if (bytes.length > 1024) {
      throw new ProtocolException("wrapped key: " + bytes.length + " bytes exceeds limit");
    }
    Obj o =
        StrictJson.parseObject(bytes, "wrappedKey")
            .requireFields("ciphertext", "contentKeyId", "ephemeralPublicKey", "nonce");
    WrappedKey key;
    try {
      key =
          new WrappedKey(
              o.string("contentKeyId", MAX_KEY_ID_LENGTH),
              o.base64("ephemeralPublicKey", X25519.KEY_BYTES),
              o.base64("nonce", ChunkCipher.NONCE_BYTES),
              o.base64("ciphertext", CIPHERTEXT_BYTES));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("wrappedKey." + e.getMessage(), e);
    }
    StrictJson.requireCanonical(bytes, key.encode(), "wrappedKey");
    return key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WrappedKey w
        && contentKeyId.equals(w.contentKeyId)
        && Arrays.equals(ephemeralPublicKey, w.ephemeralPublicKey)
        && Arrays.equals(nonce, w.nonce)
        && Arrays.equals(ciphertext, w.ciphertext);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        contentKeyId,
        Arrays.hashCode(ephemeralPublicKey),
        Arrays.hashCode(nonce),
        Arrays.hashCode(ciphertext));
  }

  @Override
  public String toString() {
    return "WrappedKey[" + contentKeyId + "]";
  }
}
