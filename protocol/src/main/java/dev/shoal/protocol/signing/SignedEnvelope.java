package dev.shoal.protocol.signing;

import dev.shoal.protocol.Hex;
import dev.shoal.protocol.ProtocolException;
import dev.shoal.protocol.json.CanonicalJsonWriter;
import dev.shoal.protocol.json.StrictJson;
import dev.shoal.protocol.json.StrictJson.Arr;
import dev.shoal.protocol.json.StrictJson.Obj;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Signed bytes: the payload exactly as signed plus detached Ed25519 signatures. Verifiers check
 * signatures over {@link #payload()} before parsing it, so the payload's own encoding never matters
 * for verification.
 */
public record SignedEnvelope(byte[] payload, List<Sig> signatures) {
  public static final int MAX_SIGNATURES = 32;

  /** Payloads above this are rejected before decoding (a manifest limit is 64 MiB). */
  public static final int MAX_PAYLOAD_BYTES = 64 << 20;

  /** One signature by the key with id {@code keyId}. */
  public record Sig(String keyId, byte[] signature) {
    public Sig {
      Hex.require(keyId, 32, "keyId");
      if (signature.length != Ed25519.SIGNATURE_BYTES) {
        throw new IllegalArgumentException("signature: must be 64 bytes");
      }
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Sig s && keyId.equals(s.keyId) && Arrays.equals(signature, s.signature);
    }

    @Override
    public int hashCode() {
      return keyId.hashCode() * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
      return "Sig[" + keyId + "]";
    }
  }

  public SignedEnvelope {
    payload = payload.clone();
    signatures = List.copyOf(signatures);
    if (signatures.size() > MAX_SIGNATURES) {
      throw new IllegalArgumentException("signatures: more than " + MAX_SIGNATURES);
    }
  }

  /** Signs {@code payload} with each key pair, in order. */
  public static SignedEnvelope sign(byte[] payload, KeyPair... signers) {
    SignedEnvelope envelope = new SignedEnvelope(payload, List.of());
    for (KeyPair kp : signers) {
      envelope = envelope.withSignature(kp);
    }
    return envelope;
  }

  /** A copy with one more signature by {@code signer}. */
  public SignedEnvelope withSignature(KeyPair signer) {
    List<Sig> sigs = new ArrayList<>(signatures);
    sigs.add(
        new Sig(Ed25519.keyId(signer.getPublic()), Ed25519.sign(signer.getPrivate(), payload)));
    return new SignedEnvelope(payload, sigs);
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /** Canonical JSON: {"payload":base64,"signatures":[{"keyId":hex,"signature":base64}...]}. */
  public byte[] encode() {
    CanonicalJsonWriter w = new CanonicalJsonWriter().beginObject();
    w.field("payload", payload).name("signatures").beginArray();
    for (Sig s : signatures) {
      w.beginObject().field("keyId", s.keyId()).field("signature", s.signature).endObject();
    }
    return w.endArray().endObject().toBytes();
  }

  public static SignedEnvelope parse(byte[] bytes) {
    return parse(bytes, MAX_PAYLOAD_BYTES);
  }

  /**
   * Strictly parses the canonical envelope encoding.
   *
   * @throws ProtocolException on any deviation, naming the field
   */
  public static SignedEnvelope parse(byte[] bytes, int maxPayloadBytes) {
    if (bytes.length > maxEncodedBytes(maxPayloadBytes)) {
      throw new ProtocolException("envelope: " + bytes.length + " bytes exceeds limit");
    }
    Obj o = StrictJson.parseObject(bytes, "envelope").requireFields("payload", "signatures");
    byte[] payload = o.base64("payload", maxPayloadBytes);
    Arr arr = o.array("signatures", MAX_SIGNATURES);
    List<Sig> sigs = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      Obj s = arr.object(i).requireFields("keyId", "signature");
      String keyId = s.string("keyId", 32);
      byte[] signature = s.base64("signature", Ed25519.SIGNATURE_BYTES);
      try {
        sigs.add(new Sig(keyId, signature));
      } catch (IllegalArgumentException e) {
        throw new ProtocolException(s.path() + "." + e.getMessage(), e);
      }
    }
    SignedEnvelope envelope = new SignedEnvelope(payload, sigs);
    StrictJson.requireCanonical(bytes, envelope.encode(), "envelope");
    return envelope;
  }

  /** The largest canonical envelope that can carry a payload of {@code maxPayloadBytes}. */
  public static long maxEncodedBytes(int maxPayloadBytes) {
    return (maxPayloadBytes + 2L) / 3 * 4 + 64L + MAX_SIGNATURES * 160L;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedEnvelope e
        && Arrays.equals(payload, e.payload)
        && signatures.equals(e.signatures);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(payload), signatures);
  }

  @Override
  public String toString() {
    return "SignedEnvelope[" + payload.length + " bytes, " + signatures + "]";
  }
}
