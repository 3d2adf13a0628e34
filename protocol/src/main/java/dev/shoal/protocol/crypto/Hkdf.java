package dev.shoal.protocol.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF with HMAC-SHA256 (RFC 5869), for {@link KeyWrap}. */
final class Hkdf {
  private static final int HASH_BYTES = 32;

  private Hkdf() {}

  /** Extract: PRK = HMAC(salt, ikm); an empty salt means 32 zero bytes. */
  static byte[] extract(byte[] salt, byte[] ikm) {
    byte[] effectiveSalt = salt.length == 0 ? new byte[HASH_BYTES] : salt;
    Mac mac = hmac(effectiveSalt);
    return mac.doFinal(ikm);
  }

  /** Expand: T(1) || T(2) || ..., T(i) = HMAC(prk, T(i-1) || info || i), cut to {@code length}. */
  static byte[] expand(byte[] prk, byte[] info, int length) {
    if (length < 0 || length > 255 * HASH_BYTES) {
      throw new IllegalArgumentException("HKDF length must be 0.." + 255 * HASH_BYTES);
    }
    Mac mac = hmac(prk);
    byte[] out = new byte[length];
    byte[] t = new byte[0];
    for (int i = 1, pos = 0; pos < length; i++) {
      mac.update(t);
      mac.update(info);
      mac.update((byte) i);
      t = mac.doFinal();
      int n = Math.min(t.length, length - pos);
      System.arraycopy(t, 0, out, pos, n);
      pos += n;
    }
    return out;
  }

  static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
    return expand(extract(salt, ikm), info, length);
  }

  private static Mac hmac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JDK lacks HmacSHA256", e);
    }
  }
}
