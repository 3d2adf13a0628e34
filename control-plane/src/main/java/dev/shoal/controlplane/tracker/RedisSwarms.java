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
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Swarms in Redis, shared by every control-plane node: any node answers any announce. One hash per
 * info hash ({@code shoal:swarm:<info hash>}), one field per peer (device and peer id) holding when
 * it was last seen and how to hand it out. Redis 7.0 has no per-field expiry, so: the hash expires
 * as a whole once nobody announced to it for the expiry time, peers last seen before that are never
 * handed out, and {@link #purge} deletes them (one node per round; a small swarm in a script, a hot
 * one in HSCAN batches that never stop Redis for long). Counts of hot swarms are estimated from a
 * random sample ({@link #census}). An announce is one round trip (a script: record, refresh the
 * expiry, read the swarm if it is small, else the asker's LAN neighbours); a hot swarm's random
 * sample is read by each node at most once a second ({@link #SAMPLE_REUSE}). Clocks of the nodes
 * stamp the peers, so they must agree to well within the expiry (NTP).
 */
final class RedisSwarms implements SwarmStore {

  static final String PREFIX = "shoal:swarm:";
  // The swarms' keys, so that counting and pruning read them, not a SCAN of the whole keyspace (a
  // fleet has a key per address: AT_PREFIX). A member whose hash expired is dropped when met.
  static final String SWARMS = "shoal:swarms";
  // Held by the node pruning expired peers, so that one node, not every node, reads each swarm.
  static final String PURGE_LOCK = "shoal:purge-lock";
  // Origin seeders' passkeys, as SHA-256 hex (the passkey itself never leaves its node).
  static final String ORIGIN_PREFIX = "shoal:origin-passkey:";

  /**
   * A hot swarm's sample: a swarm larger than twice what an announce reads ({@link
   * PeerSelection#sample}) is sampled at random (HRANDFIELD), so an announce to a swarm of a
   * million devices costs what one to a swarm of a few hundred does. The origin seeders and the
   * peers behind the asker's own address (its LAN; more than a sample of them is a carrier's NAT,
   * sampled like the rest) are added to every answer; other locality is chosen within the sample.
   */
  static final int SAMPLE = PeerSelection.MAX_SAMPLE;

  // Origin seeders are also kept in a small hash of their own (ORIGIN_SWARM_PREFIX), which is read
  // whole, so that sampling never leaves them out.
  static final String ORIGIN_SWARM_PREFIX = "shoal:swarm-origin:";

  @SuppressWarnings("rawtypes")
  private static final RedisScript<List> ANNOUNCE =
      RedisScript.of(
          """
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
          redis.call('SADD', KEYS[4], KEYS[1])
          if ARGV[5] == '0' then
            redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[3], ARGV[3])
          end
          if ARGV[5] == '1' then
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
          end
          local sample = tonumber(ARGV[4])
          if redis.call('HLEN', KEYS[1]) <= 2 * sample then
            local all = redis.call('HVALS', KEYS[1])
            table.insert(all, 1, '=')
            return all
          end
          if redis.call('HLEN', KEYS[3]) <= sample then
            local here = redis.call('HVALS', KEYS[3])
            table.insert(here, 1, '~')
            return here
          end
          return {'*'}
          """,
          List.class);

  // A random sample of ARGV[1] peers of a hot swarm, and its origin seeders.
  @SuppressWarnings("rawtypes")
  private static final RedisScript<List> SAMPLE_SCRIPT =
      RedisScript.of(
          """
          local values = {}
          local seen = {}
          local function add(pairs)
            for i = 1, #pairs, 2 do
              if not seen[pairs[i]] then
                seen[pairs[i]] = true
                values[#values + 1] = pairs[i + 1]
              end
            end
          end
          add(redis.call('HGETALL', KEYS[2]))
          add(redis.call('HRANDFIELD', KEYS[1], ARGV[1], 'WITHVALUES'))
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

  /**
   * How long this node reuses its random sample of a hot swarm. Reading a sample costs Redis and
   * this node more than the rest of an announce; a swarm of a million announces hundreds of times a
   * second, and a sample a second old is as good a draw for each of them (the asker's LAN
   * neighbours and the origin seeders are added fresh).
   */
  static final Duration SAMPLE_REUSE = Duration.ofSeconds(1);

  private record Sample(long takenMillis, List<Peer> origins, List<Peer> others) {}

  /** Figures of every swarm at a moment: see {@link #census}. */
  private record Census(long takenMillis, int activePeers, Map<String, Count> counts) {}

  // Fields read and deleted per round trip when pruning a hot swarm.
  private static final int PRUNE_BATCH = 1000;

  private final StringRedisTemplate redis;
  private final PeerExpiry expiry;
  private final Map<String, Sample> samples = new ConcurrentHashMap<>();
  private volatile Census census;

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
    int sample = PeerSelection.sample(numwant);
    @SuppressWarnings("unchecked")
    List<String> values =
        redis.execute(
            ANNOUNCE,
            List.of(key, originKey, atKey, SWARMS),
            peerKey,
            encode(peer),
            Long.toString(expiry.after().toMillis()),
            Integer.toString(sample),
            peer.origin() ? "1" : "0");
    if (values == null || values.isEmpty()) {
      return List.of();
    }
    // "=": the whole swarm; "~": a hot swarm, and the asker's LAN neighbours; "*": a hot swarm, and
    // too many behind the asker's address to be a LAN (they come with the sample like the rest).
    String read = values.get(0);
    List<Peer> candidates = decode(values.subList(1, values.size()));
    if (!read.equals("=")) {
      Sample hot = sampleOf(infoHash);
      candidates.addAll(hot.origins());
      InetAddress own = peer.address().getAddress();
      for (Peer p : window(hot.others(), sample)) {
        if (read.equals("*") || !p.address().getAddress().equals(own)) {
          candidates.add(p);
        }
      }
    }
    return PeerSelection.select(candidates, peer, numwant, expiry.oldest());
  }

  /** This node's sample of a hot swarm, taken again once it is {@link #SAMPLE_REUSE} old. */
  private Sample sampleOf(String infoHash) {
    long now = expiry.now();
    Sample s = samples.get(infoHash);
    if (s != null && now - s.takenMillis() < SAMPLE_REUSE.toMillis()) {
      return s;
    }
    return freshSample(infoHash, now);
  }

  /** A new sample of a hot swarm, kept for the announces of the next {@link #SAMPLE_REUSE}. */
  private Sample freshSample(String infoHash, long now) {
    @SuppressWarnings("unchecked")
    List<String> values =
        redis.execute(
            SAMPLE_SCRIPT,
            List.of(PREFIX + infoHash, ORIGIN_SWARM_PREFIX + infoHash),
            Integer.toString(SAMPLE));
    List<Peer> origins = new ArrayList<>();
    List<Peer> others = new ArrayList<>();
    for (Peer p : decode(values)) {
      (p.origin() ? origins : others).add(p);
    }
    Sample taken = new Sample(now, origins, others);
    samples.put(infoHash, taken);
    return taken;
  }

  /** {@code size} consecutive peers of {@code sample} from a random start, wrapping around. */
  private static List<Peer> window(List<Peer> sample, int size) {
    if (sample.size() <= size) {
      return sample;
    }
    int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(sample.size());
    List<Peer> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(sample.get((start + i) % sample.size()));
    }
    return out;
  }

  @Override
  public long now() {
    return expiry.now();
  }

  @Override
  public int purge() {
    samples.clear();
    census = null;
    // Every node purges each interval; one pass is enough, so a node that finds another's lock
    // leaves the swarms to it.
    Boolean mine = redis.opsForValue().setIfAbsent(PURGE_LOCK, "1", expiry.after().dividedBy(4));
    if (!Boolean.TRUE.equals(mine)) {
      return peersStored();
    }
    return prune("");
  }

  private int peersStored() {
    int n = 0;
    for (String key : swarmKeys()) {
      n += (int) (long) redis.opsForHash().size(key);
    }
    return n;
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
    samples.clear(); // a revoked device is handed out by no sample of this node from now on
    census = null;
  }

  private int prune(String deviceId) {
    long oldest = expiry.oldest();
    int left = 0;
    for (String key : swarmKeys()) {
      left += prune(key, oldest, deviceId);
    }
    return left;
  }

  /**
   * Deletes one swarm's expired peers and those of {@code deviceId}. A small swarm in one script
   * (atomic: a peer announcing meanwhile is not lost); a hot one in batches read with HSCAN, as one
   * script over a million fields would stop Redis, and every announce with it, for seconds. A peer
   * that announces between a batch's read and its delete loses one announce's worth of presence.
   */
  private int prune(String key, long oldest, String deviceId) {
    if (redis.opsForHash().size(key) <= 2L * SAMPLE) {
      Long n = redis.execute(PRUNE, List.of(key), Long.toString(oldest), deviceId);
      return n == null ? 0 : n.intValue();
    }
    List<Object> stale = new ArrayList<>();
    try (Cursor<Map.Entry<Object, Object>> fields =
        redis.opsForHash().scan(key, ScanOptions.scanOptions().count(PRUNE_BATCH).build())) {
      while (fields.hasNext()) {
        Map.Entry<Object, Object> field = fields.next();
        Peer peer = decode((String) field.getValue());
        if (peer == null || peer.lastSeenMillis() < oldest || peer.deviceId().equals(deviceId)) {
          stale.add(field.getKey());
          if (stale.size() == PRUNE_BATCH) {
            redis.opsForHash().delete(key, stale.toArray());
            stale.clear();
          }
        }
      }
    }
    if (!stale.isEmpty()) {
      redis.opsForHash().delete(key, stale.toArray());
    }
    return (int) (long) redis.opsForHash().size(key);
  }

  @Override
  public int activePeers() {
    return census().activePeers();
  }

  @Override
  public int activeSwarms() {
    return census().counts().size();
  }

  @Override
  public Map<String, Count> counts() {
    return census().counts();
  }

  /**
   * What the gauges and the health sampler read, taken at most once per {@link #SAMPLE_REUSE}: each
   * scrape reads several figures, and each node is scraped. A swarm of up to twice {@link #SAMPLE}
   * peers is read whole and counted exactly; a hot one is counted from its size and this node's
   * random sample of it (the share of its peers that are active, and of those the share that
   * upload), within a few per cent, instead of moving every peer of a million-peer swarm to every
   * node at every scrape.
   */
  private Census census() {
    long now = expiry.now();
    Census c = census;
    if (c != null && now - c.takenMillis() < SAMPLE_REUSE.toMillis()) {
      return c;
    }
    long oldest = expiry.oldest();
    int activePeers = 0;
    Map<String, Count> counts = new HashMap<>();
    for (String key : swarmKeys()) {
      String infoHash = key.substring(PREFIX.length());
      long size = redis.opsForHash().size(key);
      if (size <= 2L * SAMPLE) {
        List<Peer> peers = decode(redis.<String, String>opsForHash().values(key));
        activePeers += PeerSelection.active(peers, oldest);
        Count count = PeerSelection.count(peers, oldest);
        if (count != null) {
          counts.put(infoHash, count);
        }
        continue;
      }
      Sample hot = freshSample(infoHash, now);
      int origins = PeerSelection.active(hot.origins(), oldest);
      long others = size - hot.origins().size();
      int sampled = Math.max(1, hot.others().size());
      double active = (double) PeerSelection.active(hot.others(), oldest) / sampled;
      long uploading =
          hot.others().stream().filter(p -> p.lastSeenMillis() >= oldest && p.uploads()).count();
      int peers = (int) Math.round(others * active);
      activePeers += origins + peers;
      if (peers > 0) {
        counts.put(
            infoHash, new Count(peers, (int) Math.round(others * (double) uploading / sampled)));
      }
    }
    Census taken = new Census(now, activePeers, Map.copyOf(counts));
    census = taken;
    return taken;
  }

  /**
   * The swarms stored: members of {@link #SWARMS} whose hash has not expired (the rest dropped).
   */
  private List<String> swarmKeys() {
    List<String> keys = new ArrayList<>();
    Set<String> members = redis.opsForSet().members(SWARMS);
    for (String key : members == null ? Set.<String>of() : members) {
      if (Boolean.TRUE.equals(redis.hasKey(key))) {
        keys.add(key);
      } else {
        redis.opsForSet().remove(SWARMS, key);
      }
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
      Peer peer = decode(value);
      if (peer != null) {
        peers.add(peer);
      }
    }
    return peers;
  }

  /**
   * One value (see {@link #encode}), or null. By index rather than by splitting: every announce
   * decodes a few hundred, and the split's arrays and strings were most of an announce's cost.
   */
  private static Peer decode(String value) {
    int[] bar = new int[7];
    int from = 0;
    for (int i = 0; i < bar.length; i++) {
      bar[i] = value.indexOf('|', from);
      if (bar[i] < 0) {
        return null;
      }
      from = bar[i] + 1;
    }
    try {
      InetSocketAddress[] endpoints =
          endpoints(
              value.substring(bar[4] + 1, bar[5]), Integer.parseInt(value, bar[3] + 1, bar[4], 10));
      if (endpoints == null) {
        return null;
      }
      return new Peer(
          value.substring(bar[5] + 1, bar[6]),
          endpoints[0],
          value.substring(bar[6] + 1),
          flag(value, bar[0]),
          flag(value, bar[1]),
          flag(value, bar[2]),
          Long.parseLong(value, 0, bar[0], 10),
          endpoints[1]);
    } catch (NumberFormatException | IndexOutOfBoundsException e) {
      return null;
    }
  }

  /** The flag between the bar at {@code bar} and the next: "1" is true. */
  private static boolean flag(String value, int bar) {
    return value.charAt(bar + 1) == '1';
  }

  /** The public endpoint and the LAN one (or null) of {@code address[;lanip;lanport]}, or null. */
  private static InetSocketAddress[] endpoints(String field, int port) {
    String[] a = field.split(";", -1);
    InetAddress address = a.length == 1 || a.length == 3 ? Cidr.literal(a[0]) : null;
    if (address == null || port < 0 || port > 65535) {
      return null;
    }
    if (a.length == 1) {
      return new InetSocketAddress[] {new InetSocketAddress(address, port), null};
    }
    InetAddress lan = Cidr.literal(a[1]);
    int lanPort = a[2].matches("\\d{1,5}") ? Integer.parseInt(a[2]) : 65536;
    if (lan == null || lanPort > 65535) {
      return null;
    }
    return new InetSocketAddress[] {
      new InetSocketAddress(address, port), new InetSocketAddress(lan, lanPort)
    };
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
