package dev.shoal.controlplane.apikey;

import dev.shoal.controlplane.identity.Caller;
import dev.shoal.controlplane.identity.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * API keys: {@code shoal_<prefix>_<secret>}. The prefix finds the row; only the SHA-256 of the
 * secret is stored (the secret is 256 random bits, so a fast hash is enough, unlike a password).
 * The full token is returned once, at creation.
 */
@Service
public class ApiKeys {

  private static final Pattern TOKEN = Pattern.compile("shoal_([0-9a-f]{12})_([A-Za-z0-9_-]{43})");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcClient jdbc;

  ApiKeys(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** A key as listed: never its secret. */
  public record ApiKey(
      UUID id,
      String name,
      Role role,
      String prefix,
      OffsetDateTime createdAt,
      OffsetDateTime lastUsedAt,
      OffsetDateTime revokedAt) {}

  /** A newly issued key, with the token to hand to the client once. */
  public record IssuedKey(ApiKey key, String token) {}

  private record StoredKey(
      UUID id, UUID organisationId, String name, Role role, byte[] secretSha256) {}

  /**
   * @param createdByUserId the user who asked for it, or null when another key or the system did
   */
  public IssuedKey issue(UUID organisationId, Role role, String name, UUID createdByUserId) {
    String prefix = HexFormat.of().formatHex(randomBytes(6));
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
    ApiKey key =
        jdbc.sql(
                """
                insert into api_keys (organisation_id, role, name, prefix, secret_sha256,
                                      created_by_user_id)
                values (?, ?, ?, ?, ?, ?)
                returning id, name, role, prefix, created_at, last_used_at, revoked_at
                """)
            .params(organisationId, role.name(), name, prefix, sha256(secret), createdByUserId)
            .query(ApiKey.class)
            .single();
    return new IssuedKey(key, "shoal_" + prefix + "_" + secret);
  }

  /**
   * Stores a token made outside (the bootstrap key of the configuration) as if issued here: only
   * its secret's hash. Does nothing when its prefix exists already, revoked or not, so that a
   * restart neither duplicates nor revives it.
   *
   * @return whether it was stored now
   */
  public boolean adopt(UUID organisationId, Role role, String name, String token) {
    Matcher m = TOKEN.matcher(token);
    if (!m.matches()) {
      throw new IllegalArgumentException("Not an API key: shoal_<12 hex>_<43 base64url>");
    }
    return jdbc.sql(
                """
                insert into api_keys (organisation_id, role, name, prefix, secret_sha256)
                values (?, ?, ?, ?, ?)
                on conflict (prefix) do nothing
                """)
            .params(organisationId, role.name(), name, m.group(1), sha256(m.group(2)))
            .update()
        == 1;
  }

  public List<ApiKey> list(UUID organisationId) {
    return jdbc.sql(
            """
            select id, name, role, prefix, created_at, last_used_at, revoked_at
            from api_keys where organisation_id = ? order by created_at, id
            """)
        .param(organisationId)
        .query(ApiKey.class)
        .list();
  }

  /** Returns false when the organisation has no such key; revoking twice keeps the first time. */
  public boolean revoke(UUID organisationId, UUID id) {
    return jdbc.sql(
                """
                update api_keys set revoked_at = coalesce(revoked_at, now())
                where id = ? and organisation_id = ?
                """)
            .params(id, organisationId)
            .update()
        == 1;
  }

  /** The caller a token stands for, if it is a live key. Checked on every request. */
  public Optional<Caller> authenticate(String token) {
    Matcher m = TOKEN.matcher(token);
    if (!m.matches()) {
      return Optional.empty();
    }
    Optional<StoredKey> stored =
        jdbc.sql(
                """
                select id, organisation_id, name, role, secret_sha256 from api_keys
                where prefix = ? and revoked_at is null
                """)
            .param(m.group(1))
            .query(StoredKey.class)
            .optional()
            .filter(k -> MessageDigest.isEqual(k.secretSha256(), sha256(m.group(2))));
    stored.ifPresent(this::touch);
    return stored.map(
        k -> new Caller(Caller.Kind.API_KEY, k.id(), k.name(), k.organisationId(), k.role()));
  }

  // At most one write a minute per key, so that busy CI keys do not write on every call.
  private void touch(StoredKey key) {
    jdbc.sql(
            """
            update api_keys set last_used_at = now()
            where id = ? and (last_used_at is null or last_used_at < now() - interval '1 minute')
            """)
        .param(key.id())
        .update();
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(secret.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JVM has SHA-256", e);
    }
  }
}
