package dev.shoal.controlplane.keys;

import dev.shoal.controlplane.config.ShoalProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Seals secrets at rest: AES-256-GCM under the master key, with the owning row's id as additional
 * data, so that a sealed value copied into another row fails to open. Sealed form: 12-byte random
 * nonce, then ciphertext and tag.
 */
@Component
public class MasterKey {

  private static final Logger log = LoggerFactory.getLogger(MasterKey.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE_BYTES = 12;

  private final SecretKeySpec key;

  MasterKey(ShoalProperties properties) {
    byte[] raw =
        properties.masterKey() != null
            ? Base64.getDecoder().decode(properties.masterKey())
            : fromFile(properties.dataDir().resolve("master.key"));
    this.key = new SecretKeySpec(raw, "AES");
  }

  // Dev and embedded setups only: a key next to the data it protects protects little.
  private static byte[] fromFile(Path file) {
    try {
      Files.createDirectories(file.getParent());
      if (!Files.exists(file)) {
        create(file);
      }
      byte[] raw = Base64.getDecoder().decode(Files.readString(file).trim());
      if (raw.length != 32) {
        throw new IllegalStateException(file + " does not hold 32 bytes in base64");
      }
      log.warn(
          "shoal.master-key (SHOAL_MASTER_KEY) is not set: using {}. Production must set it and"
              + " keep it away from the database and its backups.",
          file);
      return raw;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or create the master key " + file, e);
    }
  }

  private static void create(Path file) throws IOException {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    byte[] text = Base64.getEncoder().encode(raw);
    try {
      if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
      Files.write(file, text, StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException e) {
      // Another control plane made it first; use theirs.
    }
  }

  /**
   * A key for one purpose derived from the master key (HMAC-SHA256 of the purpose), so that every
   * node holding the same master key derives the same key, and no purpose sees the master key.
   */
  public byte[] derive(String purpose) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
      return mac.doFinal(purpose.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  public byte[] seal(UUID rowId, byte[] plaintext) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    byte[] sealed = crypt(Cipher.ENCRYPT_MODE, nonce, rowId, plaintext, 0, plaintext.length);
    return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
  }

  /**
   * @throws IllegalStateException when the value was sealed under another key or for another row
   */
  public byte[] open(UUID rowId, byte[] sealed) {
    byte[] nonce = java.util.Arrays.copyOf(sealed, NONCE_BYTES);
    return crypt(
        Cipher.DECRYPT_MODE, nonce, rowId, sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
  }

  private byte[] crypt(int mode, byte[] nonce, UUID rowId, byte[] data, int off, int len) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, key, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(rowId.toString().getBytes(StandardCharsets.US_ASCII));
      return cipher.doFinal(data, off, len);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "Cannot open a sealed key of row " + rowId + ": wrong master key or tampered row", e);
    }
  }
}
