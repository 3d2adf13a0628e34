package dev.shoal.controlplane.tracker;

import dev.shoal.controlplane.config.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Swarms in Redis, shared by every control-plane node: any node answers any announce. One hash per
 * info hash ({@code shoal:swarm:<info hash>}), one field per peer (device and peer id) holding when
 * it was last seen and how to hand it out. Redis 7.0 has no per-field expiry, so: the hash expires
 * as a whole once nobody announced to it for the expiry time, peers last seen before that are never
 * handed out, and {@link #purge} deletes them (in a script, so that a peer announcing meanwhile is
 * not lost). An announce is one round trip (a script: record, refresh the expiry, read the swarm).
 * Clocks of the nodes stamp the peers, so they must agree to well within the expiry (NTP).
 */
final class RedisSwarms implements SwarmStore {

  static final String PREFIX = "shoal:swarm:";
  // Origin seeders' passkeys, as SHA-256 hex (the passkey itself never leaves its node).
  static final String ORIGIN_PREFIX = "shoal:origin-passkey:";

  /**
   * At most this many peers are read per announce: a swarm larger than that is sampled at random
   * (HRANDFIELD), so an announce to a hot swarm of a million devices costs what one to a swarm of
   * 512 does. Locality is then chosen within the sample.
   */
  static final int SAMPLE = 512;

  // Origin seeders are also kept in a small hash of their own (ORIGIN_SWARM_PREFIX), which is read
  // whole, so that sampling never leaves them out.
  static final String ORIGIN_SWARM_PREFIX = "shoal:swarm-origin:";

  @SuppressWarnings("rawtypes")
  private static final RedisScript<List> ANNOUNCE =
      RedisScript.of(
          """
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
          if ARGV[5] == '0' then
            redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[3], ARGV[3])
          end
          if ARGV[5] == '1' then
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
          end
          local sample = tonumber(ARGV[4])
          if redis.call('HLEN', KEYS[1]) <= sample then
            return redis.call('HVALS', KEYS[1])
          end
          local values = {}
          local seen = {}
          local picked = redis.call('HRANDFIELD', KEYS[1], sample, 'WITHVALUES')
          for i = 1, #picked, 2 do
            seen[picked[i]] = true
            values[#values + 1] = picked[i + 1]
          end
          local origins = redis.call('HGETALL', KEYS[2])
          for i = 1, #origins, 2 do
            if not seen[origins[i]] then
              values[#values + 1] = origins[i + 1]
            end
          end
          return values
          """,
          List.class);

  // Deletes the peers last seen before ARGV[1], and those of device ARGV[2] (empty: none); reads
  // the leading time and the device of each value (see encode). Returns how many are left.
  private static final RedisScript<Long> PRUNE =
      RedisScript.of(
          """
          local fields = redis.call('HGETALL', KEYS[1])
          local oldest = tonumber(ARGV[1])
          for i = 1, #fields, 2 do
            local seen, device =
                string.match(fields[i + 1], '^(%d+)|%d|%d|%d|%d+|[^|]*|([^|]*)|')
            if seen == nil or tonumber(seen) < oldest or device == ARGV[2] then
              redis.call('HDEL', KEYS[1], fields[i])
            end
          end
          return redis.call('HLEN', KEYS[1])
          """,
          Long.class);

  // The devices' peers of one swarm per address ({@code shoal:swarm-at:<info hash>:<address>}),
  // written with the swarm's hash, so that the origin seeder's admission reads a few fields, not a
  // whole swarm; expires as a whole like it.
  static final String AT_PREFIX = "shoal:swarm-at:";

  private final StringRedisTemplate redis;
  private final PeerExpiry expiry;

  RedisSwarms(StringRedisTemplate redis, Clock clock, Duration expiry) {
    this.redis = redis;
    this.expiry = new PeerExpiry(clock, expiry);
  }

  @Override
  public List<InetSocketAddress> announce(
      String infoHash, String peerKey, Peer peer, boolean stopped, int numwant) {
    String key = PREFIX + infoHash;
    String originKey = ORIGIN_SWARM_PREFIX + infoHash;
    String atKey = atKey(infoHash, peer.address().getAddress());
    if (stopped) {
      redis.opsForHash().delete(key, peerKey);
      redis.opsForHash().delete(atKey, peerKey);
      if (peer.origin()) {
        redis.opsForHash().delete(originKey, peerKey);
      }
      return List.of();
    }
    @SuppressWarnings("unchecked")
    List<String> values =
        redis.execute(
            ANNOUNCE,
            List.of(key, originKey, atKey),
            peerKey,
            encode(peer),
            Long.toString(expiry.after().toMillis()),
            Integer.toString(SAMPLE),
            peer.origin() ? "1" : "0");
    return PeerSelection.select(decode(values), peer, numwant, expiry.oldest());
  }

  @Override
  public long now() {
    return expiry.now();
  }

  @Override
  public int purge() {
    return prune("");
  }

  @Override
  public Set<String> devicesAt(String infoHash, InetAddress address) {
    List<String> values = redis.<String, String>opsForHash().values(atKey(infoHash, address));
    return PeerSelection.devicesAt(decode(values), address, expiry.oldest());
  }

  private static String atKey(String infoHash, InetAddress address) {
    return AT_PREFIX + infoHash + ":" + address.getHostAddress();
  }

  @Override
  public void forgetDevice(String deviceId) {
    prune(deviceId);
  }

  private int prune(String deviceId) {
    String oldest = Long.toString(expiry.oldest());
    int left = 0;
    for (String key : swarmKeys()) {
      Long n = redis.execute(PRUNE, List.of(key), oldest, deviceId);
      left += n == null ? 0 : n.intValue();
    }
    return left;
  }

  @Override
  public int activePeers() {
    long oldest = expiry.oldest();
    int[] n = {0};
    forEachSwarm((infoHash, peers) -> n[0] += PeerSelection.active(peers, oldest));
    return n[0];
  }

  @Override
  public int activeSwarms() {
    long oldest = expiry.oldest();
    int[] n = {0};
    forEachSwarm(
        (infoHash, peers) -> {
          if (PeerSelection.active(peers, oldest) > 0) {
            n[0]++;
          }
        });
    return n[0];
  }

  @Override
  public Map<String, Count> counts() {
    long oldest = expiry.oldest();
    Map<String, Count> counts = new HashMap<>();
    forEachSwarm(
        (infoHash, peers) -> {
          Count count = PeerSelection.count(peers, oldest);
          if (count != null) {
            counts.put(infoHash, count);
          }
        });
    return counts;
  }

  private void forEachSwarm(BiConsumer<String, List<Peer>> action) {
    for (String key : swarmKeys()) {
      List<String> values = redis.<String, String>opsForHash().values(key);
      action.accept(key.substring(PREFIX.length()), decode(values));
    }
  }

  private List<String> swarmKeys() {
    List<String> keys = new ArrayList<>();
    try (Cursor<String> cursor =
        redis.scan(ScanOptions.scanOptions().match(PREFIX + "*").count(1000).build())) {
      cursor.forEachRemaining(keys::add);
    }
    return keys;
  }

  /**
   * {@code lastSeen|uploads|origin|seed|port|address|device|region}: the region last, as it is free
   * text. A reported LAN endpoint rides in the address field ({@code address;lanip;lanport}), so
   * that the field positions, which {@code PRUNE} matches, stay those every node reads.
   */
  static String encode(Peer peer) {
    return peer.lastSeenMillis()
        + "|"
        + (peer.uploads() ? 1 : 0)
        + "|"
        + (peer.origin() ? 1 : 0)
        + "|"
        + (peer.seed() ? 1 : 0)
        + "|"
        + peer.address().getPort()
        + "|"
        + peer.address().getAddress().getHostAddress()
        + (peer.lan() == null
            ? ""
            : ";" + peer.lan().getAddress().getHostAddress() + ";" + peer.lan().getPort())
        + "|"
        + peer.deviceId()
        + "|"
        + peer.region();
  }

  /** The peers of a swarm's values; a value that does not decode is skipped. */
  static List<Peer> decode(List<String> values) {
    List<Peer> peers = new ArrayList<>(values == null ? 0 : values.size());
    for (String value : values == null ? List.<String>of() : values) {
      String[] f = value.split("\\|", 8);
      String[] a = f.length == 8 ? f[5].split(";", -1) : new String[0];
      InetAddress address = a.length == 1 || a.length == 3 ? Cidr.literal(a[0]) : null;
      InetAddress lanAddress = a.length == 3 ? Cidr.literal(a[1]) : null;
      int lanPort = a.length == 3 && a[2].matches("\\d{1,5}") ? Integer.parseInt(a[2]) : 0;
      if (address == null || (a.length == 3 && (lanAddress == null || lanPort > 65535))) {
        continue;
      }
      peers.add(
          new Peer(
              f[6],
              new InetSocketAddress(address, Integer.parseInt(f[4])),
              f[7],
              f[1].equals("1"),
              f[2].equals("1"),
              f[3].equals("1"),
              Long.parseLong(f[0]),
              lanAddress == null ? null : new InetSocketAddress(lanAddress, lanPort)));
    }
    return peers;
  }

  @Override
  public void registerOriginPasskey(String passkey) {
    redis.opsForValue().set(ORIGIN_PREFIX + sha256(passkey), "1", expiry.after());
  }

  @Override
  public boolean isOriginPasskey(String passkey) {
    return Boolean.TRUE.equals(redis.hasKey(ORIGIN_PREFIX + sha256(passkey)));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
