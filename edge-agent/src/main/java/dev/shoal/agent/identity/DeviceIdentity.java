package dev.shoal.agent.identity;

import dev.shoal.agent.fs.DataDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * The device's long-lived keys: Ed25519 to sign requests to the control plane, X25519 so the
 * control plane can wrap content keys for this device. Generated once, kept owner-only in {@code
 * <data>/identity/}, never leave the machine; only the public halves are sent at enrolment.
 */
public final class DeviceIdentity {
  /** Prefix of the string-to-sign; bump it if the format ever changes. */
  static final String SIGNATURE_SCHEME = "SHOAL-REQ-V2";

  public static final String HEADER_DEVICE = "X-Shoal-Device";
  public static final String HEADER_TIMESTAMP = "X-Shoal-Timestamp";
  public static final String HEADER_SIGNATURE = "X-Shoal-Signature";
  public static final String HEADER_NONCE = "X-Shoal-Nonce";

  private static final SecureRandom NONCES = new SecureRandom();

  // Ed25519 and X25519 X.509 SubjectPublicKeyInfo encodings are a fixed 12-byte header + 32 bytes.
  private static final int RAW_KEY_BYTES = 32;

  private final KeyPair signing;
  private final KeyPair agreement;
  private final String deviceId;

  private DeviceIdentity(KeyPair signing, KeyPair agreement) {
    this.signing = signing;
    this.agreement = agreement;
    this.deviceId = deriveDeviceId(rawPublicKey(signing.getPublic()));
  }

  /** Loads the keys from the data directory, generating and persisting them on first use. */
  public static DeviceIdentity loadOrCreate(DataDir dataDir) {
    Path dir = dataDir.identityDir();
    KeyPair signing = loadOrCreatePair(dataDir, dir, "ed25519", "Ed25519");
    KeyPair agreement = loadOrCreatePair(dataDir, dir, "x25519", "X25519");
    return new DeviceIdentity(signing, agreement);
  }

  /**
   * Locally derived id: {@code d-} + lowercase hex of the first 16 bytes of SHA-256(raw Ed25519
   * public key). Stable for the life of the key; the control plane can recompute it.
   */
  public String deviceId() {
    return deviceId;
  }

  /** Raw 32-byte Ed25519 public key, base64url without padding. */
  public String signingPublicKey() {
    return b64(rawPublicKey(signing.getPublic()));
  }

  /** Raw 32-byte X25519 public key, base64url without padding. */
  public String agreementPublicKey() {
    return b64(rawPublicKey(agreement.getPublic()));
  }

  /** The X25519 private key, for unwrapping content keys (protocol's key-wrap code). */
  public PrivateKey agreementPrivateKey() {
    return agreement.getPrivate();
  }

  /**
   * Signs an outgoing control-plane request. {@code uri} supplies the path and query exactly as
   * sent. Returns the four headers to add. The string-to-sign is documented in README.md; a fresh
   * random nonce in it makes every request's signature unique, so the control plane can refuse any
   * replay, even of two identical requests within one second.
   */
  public Map<String, String> signRequest(String method, URI uri, byte[] body, Instant now) {
    String timestamp = Long.toString(now.getEpochSecond());
    byte[] random = new byte[16];
    NONCES.nextBytes(random);
    String nonce = b64(random);
    String toSign = stringToSign(deviceId, method, pathAndQuery(uri), timestamp, nonce, body);
    byte[] sig = sign(toSign.getBytes(StandardCharsets.UTF_8));
    return Map.of(
        HEADER_DEVICE, deviceId,
        HEADER_TIMESTAMP, timestamp,
        HEADER_NONCE, nonce,
        HEADER_SIGNATURE, b64(sig));
  }

  static String stringToSign(
      String deviceId,
      String method,
      String pathAndQuery,
      String timestamp,
      String nonce,
      byte[] body) {
    return String.join(
        "\n",
        SIGNATURE_SCHEME,
        deviceId,
        method.toUpperCase(Locale.ROOT),
        pathAndQuery,
        timestamp,
        nonce,
        HexFormat.of().formatHex(sha256(body)));
  }

  static String pathAndQuery(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  private byte[] sign(byte[] message) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(signing.getPrivate());
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 unavailable", e);
    }
  }

  private static KeyPair loadOrCreatePair(
      DataDir dataDir, Path dir, String fileStem, String algorithm) {
    Path privFile = dir.resolve(fileStem + ".key");
    Path pubFile = dir.resolve(fileStem + ".pub");
    try {
      if (Files.exists(privFile) && Files.exists(pubFile)) {
        KeyFactory kf = KeyFactory.getInstance(algorithm);
        PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(privFile)));
        PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(Files.readAllBytes(pubFile)));
        return new KeyPair(pub, priv);
      }
      KeyPair pair = KeyPairGenerator.getInstance(algorithm).generateKeyPair();
      // Public first: a crash between the two writes then leaves no orphan private key to trust.
      dataDir.writeAtomically(pubFile, pair.getPublic().getEncoded());
      dataDir.writeAtomically(privFile, pair.getPrivate().getEncoded());
      return pair;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read device keys in " + dir, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("device keys in " + dir + " are unreadable", e);
    }
  }

  static byte[] rawPublicKey(PublicKey key) {
    byte[] enc = key.getEncoded();
    return Arrays.copyOfRange(enc, enc.length - RAW_KEY_BYTES, enc.length);
  }

  private static String deriveDeviceId(byte[] rawSigningKey) {
    return "d-" + HexFormat.of().formatHex(Arrays.copyOf(sha256(rawSigningKey), 16));
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
