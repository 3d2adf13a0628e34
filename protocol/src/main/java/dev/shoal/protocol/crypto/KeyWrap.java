package dev.shoal.protocol.crypto;

import dev.shoal.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Wraps a 32-byte content key for one device (ECIES-style, single shot):
 *
 * <ol>
 *   <li>a fresh ephemeral X25519 key pair; shared = X25519(ephemeral, device)
 *   <li>wrapKey = HKDF-SHA256(salt = ephemeral public key, ikm = shared, info = "shoal/key-wrap/v1"
 *       || contentKeyId (UTF-8), 32 bytes)
 *   <li>ciphertext = AES-256-GCM(wrapKey, random 12-byte nonce, AAD = contentKeyId, contentKey)
 * </ol>
 *
 * Binding the key id into both the derivation and the AAD stops a server from relabelling one
 * product's key as another's.
 */
public final class KeyWrap {
  private static final byte[] INFO_LABEL = "shoal/key-wrap/v1".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyWrap() {}

  public static WrappedKey wrap(byte[] contentKey, String contentKeyId, PublicKey device) {
    if (contentKey.length != ChunkCipher.KEY_BYTES) {
      throw new IllegalArgumentException("content key must be 32 bytes");
    }
    KeyPair ephemeral = X25519.generate();
    byte[] ephemeralRaw = X25519.rawPublicKey(ephemeral.getPublic());
    byte[] wrapKey =
        deriveKey(X25519.agree(ephemeral.getPrivate(), device), ephemeralRaw, contentKeyId);
    byte[] nonce = new byte[ChunkCipher.NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = gcm(Cipher.ENCRYPT_MODE, wrapKey, nonce, contentKeyId);
      return new WrappedKey(contentKeyId, ephemeralRaw, nonce, c.doFinal(contentKey));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed", e);
    }
  }

  /**
   * @throws ProtocolException if the wrapped key was not made for this device, was altered, or
   *     carries a hostile ephemeral key
   */
  public static byte[] unwrap(WrappedKey wrapped, PrivateKey device) {
    byte[] shared;
    try {
      shared = X25519.agree(device, X25519.publicKey(wrapped.ephemeralPublicKey()));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("wrapped key: bad ephemeral key: " + e.getMessage(), e);
    }
    byte[] wrapKey = deriveKey(shared, wrapped.ephemeralPublicKey(), wrapped.contentKeyId());
    try {
      Cipher c = gcm(Cipher.DECRYPT_MODE, wrapKey, wrapped.nonce(), wrapped.contentKeyId());
      return c.doFinal(wrapped.ciphertext());
    } catch (AEADBadTagException e) {
      throw new ProtocolException("wrapped key: not for this device or altered", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed", e);
    }
  }

  private static byte[] deriveKey(byte[] shared, byte[] ephemeralRaw, String contentKeyId) {
    byte[] id = contentKeyId.getBytes(StandardCharsets.UTF_8);
    byte[] info = new byte[INFO_LABEL.length + id.length];
    System.arraycopy(INFO_LABEL, 0, info, 0, INFO_LABEL.length);
    System.arraycopy(id, 0, info, INFO_LABEL.length, id.length);
    return Hkdf.derive(ephemeralRaw, shared, info, 32);
  }

  private static Cipher gcm(int mode, byte[] key, byte[] nonce, String contentKeyId)
      throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    c.updateAAD(contentKeyId.getBytes(StandardCharsets.UTF_8));
    return c;
  }
}
