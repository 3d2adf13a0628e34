package dev.shoal.protocol.crypto;

import dev.shoal.protocol.Hex;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption of chunks under a product content key.
 *
 * <p>Encryption is deterministic: nonce = first 12 bytes of HMAC-SHA256(contentKey,
 * "shoal/chunk-nonce/v1" || chunkId), AAD = chunkId (32 raw bytes). The chunk id is the SHA-256 of
 * the plaintext, so a nonce repeats only together with the same plaintext, which GCM tolerates; in
 * exchange an unchanged chunk encrypts to the same bytes in every release, which keeps packs
 * reproducible and deltas small. The price (accepted): someone without the key can tell that two
 * releases share a chunk.
 *
 * <p>Thread-safe; each thread reuses its own Cipher, Mac and digest.
 */
public final class ChunkCipher {
  public static final int KEY_BYTES = 32;
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BYTES = 16;
  private static final int TAG_BITS = TAG_BYTES * 8;
  private static final int SLICE = 16 << 10;
  private static final byte[] NONCE_LABEL =
      "shoal/chunk-nonce/v1".getBytes(StandardCharsets.US_ASCII);

  private final SecretKeySpec key;
  private final ThreadLocal<State> state;

  /** Per-thread JCA objects; creating them per chunk costs more than encrypting a small chunk. */
  private static final class State {
    final Cipher cipher;
    final Mac mac;
    final MessageDigest sha256;
    byte[] lastEncryptNonce;

    State(SecretKeySpec key) throws GeneralSecurityException {
      cipher = Cipher.getInstance("AES/GCM/NoPadding");
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
      sha256 = MessageDigest.getInstance("SHA-256");
    }
  }

  public ChunkCipher(byte[] contentKey) {
    if (contentKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("content key must be 32 bytes");
    }
    this.key = new SecretKeySpec(contentKey, "AES");
    this.state =
        ThreadLocal.withInitial(
            () -> {
              try {
                return new State(key);
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("JDK lacks AES-GCM or HmacSHA256", e);
              }
            });
  }

  /** The deterministic nonce of a chunk (documented format rule). */
  public byte[] nonce(byte[] chunkId) {
    return nonce(state.get(), chunkId);
  }

  /** Encrypts a chunk; the result is {@code plaintext.length + 16} bytes. */
  public byte[] encrypt(String chunkId, byte[] plaintext) {
    return encrypt(Hex.decode(chunkId), plaintext, 0, plaintext.length);
  }

  /**
   * Encrypts {@code len} bytes at {@code off}; {@code chunkId} must be their SHA-256 (not checked:
   * the publisher just computed it, and the client checks it after decryption).
   */
  public byte[] encrypt(byte[] chunkId, byte[] buf, int off, int len) {
    byte[] out = new byte[len + TAG_BYTES];
    encrypt(chunkId, buf, off, len, out, 0);
    return out;
  }

  /**
   * Encrypts {@code len} bytes at {@code off} into {@code out} at {@code outOff} (which needs
   * {@code len + 16} bytes there), for callers that reuse their buffers; returns the bytes written.
   * The input and output ranges must not overlap.
   */
  public int encrypt(byte[] chunkId, byte[] buf, int off, int len, byte[] out, int outOff) {
    requireId(chunkId);
    State s = state.get();
    byte[] nonce = nonce(s, chunkId);
    try {
      if (Arrays.equals(nonce, s.lastEncryptNonce)) {
        // The JDK refuses to re-init GCM encryption with the previous key and IV (a guard
        // against nonce reuse); ours is deliberate, so reset with a throwaway IV first.
        s.cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, new byte[12]));
      }
      s.cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      s.lastEncryptNonce = nonce;
      s.cipher.updateAAD(chunkId);
      // Many short calls rather than one per chunk: HotSpot compiles GCM's callers of its AES-CTR
      // and GHASH intrinsics by invocation count, so a fresh JVM reaches them after about 100 MiB
      // instead of about 1 GiB (docs/benchmarks.md). Same bytes as one doFinal.
      int at = off;
      int end = off + len;
      int written = 0;
      while (end - at > SLICE) {
        written += s.cipher.update(buf, at, SLICE, out, outOff + written);
        at += SLICE;
      }
      return written + s.cipher.doFinal(buf, at, end - at, out, outOff + written);
    } catch (GeneralSecurityException e) {
      s.lastEncryptNonce = null;
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  public byte[] decrypt(String chunkId, byte[] ciphertext) {
    return decrypt(Hex.decode(chunkId), ciphertext, 0, ciphertext.length);
  }

  /**
   * Decrypts and checks both the GCM tag and that the plaintext hashes to {@code chunkId}.
   *
   * @throws ChunkIntegrityException if either check fails
   */
  public byte[] decrypt(byte[] chunkId, byte[] buf, int off, int len) {
    requireId(chunkId);
    if (len < TAG_BYTES) {
      throw new ChunkIntegrityException("encrypted chunk shorter than the GCM tag");
    }
    State s = state.get();
    byte[] plaintext;
    try {
      // Decryption does not reset the JDK's memory of the last encryption IV, so neither do we.
      s.cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce(s, chunkId)));
      s.cipher.updateAAD(chunkId);
      plaintext = s.cipher.doFinal(buf, off, len);
    } catch (AEADBadTagException e) {
      throw new ChunkIntegrityException("chunk " + Hex.encode(chunkId) + ": GCM tag mismatch", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM decryption failed", e);
    }
    if (!MessageDigest.isEqual(s.sha256.digest(plaintext), chunkId)) {
      throw new ChunkIntegrityException(
          "chunk " + Hex.encode(chunkId) + ": plaintext does not hash to the chunk id");
    }
    return plaintext;
  }

  private static byte[] nonce(State s, byte[] chunkId) {
    s.mac.update(NONCE_LABEL);
    s.mac.update(chunkId);
    return Arrays.copyOf(s.mac.doFinal(), NONCE_BYTES);
  }

  private static void requireId(byte[] chunkId) {
    if (chunkId.length != 32) {
      throw new IllegalArgumentException("chunk id must be 32 bytes");
    }
  }
}
