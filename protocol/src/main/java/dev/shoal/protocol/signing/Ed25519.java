package dev.shoal.protocol.signing;

import dev.shoal.protocol.Hex;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/** Ed25519 keys, key ids and signatures, on the JDK provider. */
public final class Ed25519 {
  public static final int PUBLIC_KEY_BYTES = 32;
  public static final int SIGNATURE_BYTES = 64;

  /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows it. */
  private static final byte[] X509_PREFIX = Hex.decode("302a300506032b6570032100");

  private Ed25519() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK lacks Ed25519", e);
    }
  }

  /** The raw 32-byte public key (RFC 8032 encoding). */
  public static byte[] rawPublicKey(PublicKey key) {
    byte[] x509 = key.getEncoded();
    if (x509 == null
        || x509.length != X509_PREFIX.length + PUBLIC_KEY_BYTES
        || !Arrays.equals(x509, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
      throw new IllegalArgumentException("not an Ed25519 public key");
    }
    return Arrays.copyOfRange(x509, X509_PREFIX.length, x509.length);
  }

  /**
   * Decodes a raw 32-byte public key.
   *
   * @throws IllegalArgumentException if the bytes are not a valid Ed25519 point encoding
   */
  public static PublicKey publicKey(byte[] raw) {
    if (raw.length != PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + raw.length);
    }
    byte[] x509 = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_BYTES);
    System.arraycopy(raw, 0, x509, X509_PREFIX.length, PUBLIC_KEY_BYTES);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
    } catch (InvalidKeySpecException | RuntimeException e) {
      throw new IllegalArgumentException("invalid Ed25519 public key", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK lacks Ed25519", e);
    }
  }

  /** Decodes a PKCS#8 private key, the form {@link PrivateKey#getEncoded()} produces. */
  public static PrivateKey privateKey(byte[] pkcs8) {
    try {
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException("invalid Ed25519 private key", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK lacks Ed25519", e);
    }
  }

  /** Key id: lowercase hex of the first 16 bytes of SHA-256 of the raw public key. */
  public static String keyId(PublicKey key) {
    return keyId(rawPublicKey(key));
  }

  public static String keyId(byte[] rawPublicKey) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(rawPublicKey);
      return Hex.encode(Arrays.copyOf(digest, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] sign(PrivateKey key, byte[] message) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with this key", e);
    }
  }

  /** False for a wrong, malformed or non-canonical signature; never throws on hostile bytes. */
  public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    if (signature.length != SIGNATURE_BYTES) {
      return false;
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(message);
      return s.verify(signature);
    } catch (SignatureException | InvalidKeyException e) {
      return false;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK lacks Ed25519", e);
    }
  }
}
