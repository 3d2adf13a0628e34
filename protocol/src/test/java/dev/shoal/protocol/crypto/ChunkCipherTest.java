package dev.shoal.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.Hex;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ChunkCipherTest {
  static final byte[] KEY = Fixtures.bytes(new Random(5), 32);

  @Test
  void decryptInvertsEncryptAndAddsExactlyTheTag() {
    ChunkCipher cipher = new ChunkCipher(KEY);
    qt().withExamples(100)
        .forAll(longs().all(), integers().between(0, 70_000))
        .checkAssert(
            (seed, size) -> {
              byte[] plain = Fixtures.bytes(new Random(seed), size);
              String id = Fixtures.sha256Hex(plain);
              byte[] enc = cipher.encrypt(id, plain);
              assertThat(enc).hasSize(size + 16);
              assertThat(cipher.decrypt(id, enc)).isEqualTo(plain);
            });
  }

  @Test
  void followsTheDocumentedNonceAndAadRule() throws Exception {
    byte[] plain = "chunk".getBytes(StandardCharsets.UTF_8);
    byte[] id = Hex.decode(Fixtures.sha256Hex(plain));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
    mac.update("shoal/chunk-nonce/v1".getBytes(StandardCharsets.US_ASCII));
    byte[] nonce = Arrays.copyOf(mac.doFinal(id), 12);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"), new GCMParameterSpec(128, nonce));
    c.updateAAD(id);
    byte[] expected = c.doFinal(plain);
    ChunkCipher cipher = new ChunkCipher(KEY);
    assertThat(cipher.nonce(id)).isEqualTo(nonce);
    assertThat(cipher.encrypt(id, plain, 0, plain.length)).isEqualTo(expected);
    // Into a reused buffer, from the middle of a larger one: the same bytes, and the count.
    byte[] in = new byte[plain.length + 7];
    System.arraycopy(plain, 0, in, 3, plain.length);
    byte[] out = new byte[expected.length + 10];
    assertThat(cipher.encrypt(id, in, 3, plain.length, out, 5)).isEqualTo(expected.length);
    assertThat(Arrays.copyOfRange(out, 5, 5 + expected.length)).isEqualTo(expected);
  }

  @Test
  void aLargeChunkEncryptsAsOneGcmMessage() throws Exception {
    // Larger than the slices encrypt() feeds the cipher, and not a multiple of them or of 16.
    byte[] plain = Fixtures.bytes(new Random(10), (100 << 10) + 5);
    byte[] id = Hex.decode(Fixtures.sha256Hex(plain));
    ChunkCipher cipher = new ChunkCipher(KEY);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(KEY, "AES"),
        new GCMParameterSpec(128, cipher.nonce(id)));
    c.updateAAD(id);
    byte[] expected = c.doFinal(plain);
    assertThat(cipher.encrypt(id, plain, 0, plain.length)).isEqualTo(expected);
    assertThat(cipher.decrypt(id, expected, 0, expected.length)).isEqualTo(plain);
  }

  @Test
  void sameChunkEncryptsToTheSameBytesEvenTwiceInARow() {
    ChunkCipher cipher = new ChunkCipher(KEY);
    byte[] plain = Fixtures.bytes(new Random(8), 1000);
    String id = Fixtures.sha256Hex(plain);
    byte[] first = cipher.encrypt(id, plain);
    assertThat(cipher.encrypt(id, plain)).isEqualTo(first);
    assertThat(new ChunkCipher(KEY).encrypt(id, plain)).isEqualTo(first);
    assertThat(new ChunkCipher(Fixtures.bytes(new Random(6), 32)).encrypt(id, plain))
        .isNotEqualTo(first);
  }

  @Test
  void tamperingIsDetected() {
    ChunkCipher cipher = new ChunkCipher(KEY);
    byte[] plain = Fixtures.bytes(new Random(9), 5000);
    String id = Fixtures.sha256Hex(plain);
    byte[] enc = cipher.encrypt(id, plain);
    qt().withExamples(50)
        .forAll(integers().between(0, enc.length - 1), integers().between(1, 255))
        .checkAssert(
            (pos, flip) -> {
              byte[] bad = enc.clone();
              bad[pos] ^= flip.byteValue();
              assertThatThrownBy(() -> cipher.decrypt(id, bad))
                  .isInstanceOf(ChunkIntegrityException.class);
            });
    assertThatThrownBy(() -> cipher.decrypt(id, Arrays.copyOf(enc, 10)))
        .isInstanceOf(ChunkIntegrityException.class);
    assertThatThrownBy(() -> new ChunkCipher(Fixtures.bytes(new Random(6), 32)).decrypt(id, enc))
        .isInstanceOf(ChunkIntegrityException.class)
        .hasMessageContaining("GCM tag");
  }

  @Test
  void plaintextMustHashToTheChunkId() {
    // A publisher bug (wrong id) is caught by the client even though the tag verifies.
    ChunkCipher cipher = new ChunkCipher(KEY);
    byte[] plain = Fixtures.bytes(new Random(10), 100);
    String wrongId = Fixtures.sha256Hex("something else");
    byte[] enc = cipher.encrypt(wrongId, plain);
    assertThatThrownBy(() -> cipher.decrypt(wrongId, enc))
        .isInstanceOf(ChunkIntegrityException.class)
        .hasMessageContaining("does not hash to the chunk id");
  }

  @Test
  void worksFromManyThreads() throws Exception {
    ChunkCipher cipher = new ChunkCipher(KEY);
    Thread[] threads = new Thread[4];
    java.util.concurrent.atomic.AtomicReference<Throwable> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    for (int t = 0; t < threads.length; t++) {
      int seed = t;
      threads[t] =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < 200; i++) {
                    byte[] plain = Fixtures.bytes(new Random(seed * 1000L + i), 2000);
                    String id = Fixtures.sha256Hex(plain);
                    assertThat(cipher.decrypt(id, cipher.encrypt(id, plain))).isEqualTo(plain);
                  }
                } catch (Throwable e) {
                  failure.set(e);
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failure.get()).isNull();
  }
}
