package dev.shoal.protocol.crypto;

import dev.shoal.protocol.Hex;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/** X25519 device keys with the raw 32-byte public key form used on the wire (RFC 7748). */
public final class X25519 {
  public static final int KEY_BYTES = 32;

  /** DER prefix of an X25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows it. */
  private static final byte[] X509_PREFIX = Hex.decode("302a300506032b656e032100");

  private X25519() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("X25519").generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK lacks X25519", e);
    }
  }

  public static byte[] rawPublicKey(PublicKey key) {
    byte[] x509 = key.getEncoded();
    if (x509 == null
        || x509.length != X509_PREFIX.length + KEY_BYTES
        || !Arrays.equals(x509, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
      throw new IllegalArgumentException("not an X25519 public key");
    }
    return Arrays.copyOfRange(x509, X509_PREFIX.length, x509.length);
  }

  public static PublicKey publicKey(byte[] raw) {
    if (raw.length != KEY_BYTES) {
      throw new IllegalArgumentException("X25519 public key must be 32 bytes, got " + raw.length);
    }
    byte[] x509 = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_BYTES);
    System.arraycopy(raw, 0, x509, X509_PREFIX.length, KEY_BYTES);
    try {
      return KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(x509));
    } catch (InvalidKeySpecException | RuntimeException e) {
      throw new IllegalArgumentException("invalid X25519 public key", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK lacks X25519", e);
    }
  }

  /** Decodes a PKCS#8 private key, the form {@link PrivateKey#getEncoded()} produces. */
  public static PrivateKey privateKey(byte[] pkcs8) {
    try {
      return KeyFactory.getInstance("X25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException("invalid X25519 private key", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK lacks X25519", e);
    }
  }

  /**
   * The shared secret. The JDK rejects peers of small order (all-zero result), so a hostile public
   * key cannot force a known secret.
   *
   * @throws IllegalArgumentException for such a key
   */
  static byte[] agree(PrivateKey own, PublicKey peer) {
    try {
      KeyAgreement ka = KeyAgreement.getInstance("X25519");
      ka.init(own);
      ka.doPhase(peer, true);
      return ka.generateSecret();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK lacks X25519", e);
    } catch (GeneralSecurityException | IllegalStateException e) {
      throw new IllegalArgumentException("X25519 agreement failed: " + e.getMessage(), e);
    }
  }
}
