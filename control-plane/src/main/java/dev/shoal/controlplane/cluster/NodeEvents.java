package dev.shoal.controlplane.cluster;

import dev.shoal.controlplane.config.RedisConfigured;
import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.entitlement.Entitlements;
import dev.shoal.controlplane.release.Publishing;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Conditional;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * With several control-plane nodes on one Redis: tells the other nodes, over Redis pub/sub, what
 * this node did that their memory must follow (a device revoked or changed, an entitlement removed,
 * a release published), and replays what they did here as the same local events. So a revocation
 * reaches every node's tracker cache at once rather than after {@code shoal.tracker.cache-ttl}, and
 * a release published through one node is seeded by every node's origin seeder.
 *
 * <p>Pub/sub is fire and forget: a node that is disconnected when a message goes out misses it. So
 * every (re)subscription is announced here as {@link NodeEventsResumed}, on which caches built on
 * these events start afresh; a release published meanwhile is seeded at the node's next start.
 */
@Component
@Conditional(RedisConfigured.class)
class NodeEvents implements MessageListener, SubscriptionListener {

  static final String CHANNEL = "shoal:node-events";

  private static final Logger log = LoggerFactory.getLogger(NodeEvents.class);

  private final String node = UUID.randomUUID().toString();
  private final StringRedisTemplate redis;
  private final ApplicationEventPublisher events;
  // Set while another node's event is replayed here, so that it is not sent out again.
  private final ThreadLocal<Boolean> replaying = ThreadLocal.withInitial(() -> false);

  NodeEvents(StringRedisTemplate redis, ApplicationEventPublisher events) {
    this.redis = redis;
    this.events = events;
  }

  // After the commit (at once without a transaction): other nodes must read the new state.
  @TransactionalEventListener(fallbackExecution = true)
  void deviceRevoked(Devices.DeviceRevoked event) {
    send("device-revoked", event.deviceId());
  }

  @TransactionalEventListener(fallbackExecution = true)
  void deviceChanged(Devices.DeviceChanged event) {
    send("device-changed", event.deviceId());
  }

  @TransactionalEventListener(fallbackExecution = true)
  void entitlementRevoked(Entitlements.EntitlementRevoked event) {
    send("entitlement-revoked", event.productId().toString());
  }

  @TransactionalEventListener(fallbackExecution = true)
  void releasePublished(Publishing.ReleasePublished event) {
    send("release-published", event.releaseId().toString());
  }

  private void send(String type, String value) {
    if (replaying.get()) {
      return;
    }
    try {
      redis.convertAndSend(CHANNEL, node + "|" + type + "|" + value);
    } catch (DataAccessException e) {
      log.warn("Could not tell the other nodes {} {}: {}", type, value, e.toString());
    }
  }

  @Override
  public void onChannelSubscribed(byte[] channel, long count) {
    log.info("Listening to the other nodes' events");
    events.publishEvent(new NodeEventsResumed());
  }

  @Override
  public void onMessage(Message message, byte[] pattern) {
    String[] fields = new String(message.getBody(), StandardCharsets.UTF_8).split("\\|", 3);
    if (fields.length != 3 || fields[0].equals(node)) {
      return;
    }
    Object event;
    try {
      event = event(fields[1], fields[2]);
    } catch (IllegalArgumentException e) {
      event = null;
    }
    if (event == null) {
      log.warn("Ignored a node event this node does not understand: {}", fields[1]);
      return;
    }
    replaying.set(true);
    try {
      events.publishEvent(event);
    } finally {
      replaying.set(false);
    }
  }

  private static Object event(String type, String value) {
    return switch (type) {
      case "device-revoked" -> new Devices.DeviceRevoked(value);
      case "device-changed" -> new Devices.DeviceChanged(value);
      case "entitlement-revoked" -> new Entitlements.EntitlementRevoked(UUID.fromString(value));
      case "release-published" -> new Publishing.ReleasePublished(UUID.fromString(value));
      default -> null;
    };
  }
}
