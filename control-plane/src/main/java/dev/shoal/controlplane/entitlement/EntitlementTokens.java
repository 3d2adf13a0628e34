package dev.shoal.controlplane.entitlement;

import static dev.shoal.controlplane.refusal.Refusal.Kind.FORBIDDEN;

import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.protocol.signing.Ed25519;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publisher-signed entitlement tokens: a compact JWS (an EdDSA JWT) that any JWT library makes,
 * {@code base64url(header).base64url(claims).base64url(signature)}, header {@code {"alg":"EdDSA"}},
 * claims {@code {"sub": player, "product": slug, "exp": epoch seconds}}, signed with the Ed25519
 * key the publisher registered for the product.
 */
final class EntitlementTokens {

  private static final int MAX_TOKEN = 4096;

  private EntitlementTokens() {}

  record Claims(String player, String product, Instant expiresAt) {}

  static Claims verify(
      String token, byte[] publicKey, String product, Instant now, JsonMapper json) {
    if (token == null || token.length() > MAX_TOKEN) {
      throw refused("missing or too long");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw refused("not a compact JWS");
    }
    JsonNode header = decodeJson(parts[0], json);
    if (!"EdDSA".equals(text(header, "alg"))) {
      throw refused("alg must be EdDSA");
    }
    byte[] signature = decode(parts[2]);
    byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    if (signature.length != Ed25519.SIGNATURE_BYTES
        || !Ed25519.verify(Ed25519.publicKey(publicKey), signed, signature)) {
      throw refused("bad signature");
    }
    JsonNode claims = decodeJson(parts[1], json);
    String player = text(claims, "sub");
    JsonNode exp = claims.get("exp");
    if (player == null
        || player.isBlank()
        || player.length() > 200
        || exp == null
        || !exp.isNumber()) {
      throw refused("needs sub (player) and exp");
    }
    if (!product.equals(text(claims, "product"))) {
      throw refused("it names another product");
    }
    Instant expiresAt = Instant.ofEpochSecond(exp.asLong());
    if (!now.isBefore(expiresAt)) {
      throw refused("expired");
    }
    return new Claims(player, product, expiresAt);
  }

  private static JsonNode decodeJson(String part, JsonMapper json) {
    try {
      JsonNode node = json.readTree(decode(part));
      if (node == null || !node.isObject()) {
        throw refused("a part is not a JSON object");
      }
      return node;
    } catch (Refusal e) {
      throw e;
    } catch (RuntimeException e) {
      throw refused("a part is not JSON");
    }
  }

  private static byte[] decode(String part) {
    try {
      return Base64.getUrlDecoder().decode(part);
    } catch (IllegalArgumentException e) {
      throw refused("not base64url");
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isString() ? value.asString() : null;
  }

  private static Refusal refused(String why) {
    return new Refusal(FORBIDDEN, "Entitlement token refused: " + why);
  }
}
