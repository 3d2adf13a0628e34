package dev.shoal.controlplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.support.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/** Two nodes on one real Redis: what one does is replayed on the other, once, not echoed back. */
class NodeEventsTest {

  @RegisterExtension static final RedisServer.Connection redis = new RedisServer.Connection();

  private static RedisMessageListenerContainer subscriptions;

  @BeforeAll
  static void subscribe() {
    subscriptions = new RedisMessageListenerContainer();
    subscriptions.setConnectionFactory(redis.factory());
    subscriptions.afterPropertiesSet();
    subscriptions.start();
  }

  @AfterAll
  static void unsubscribe() throws Exception {
    if (subscriptions != null) { // null when skipped without redis-server
      subscriptions.destroy();
    }
  }

  /** A node whose local events are recorded; it hears the channel like a real one. */
  private static final class Node {
    final List<Object> local = new CopyOnWriteArrayList<>();
    final AtomicInteger resumed = new AtomicInteger();
    final NodeEvents events;

    Node() {
      List<Object> seen = local;
      AtomicInteger resumed = this.resumed;
      NodeEvents[] self = new NodeEvents[1];
      ApplicationEventPublisher publisher =
          event -> {
            if (event instanceof NodeEventsResumed) {
              resumed.incrementAndGet();
              return;
            }
            seen.add(event);
            // A replayed event reaches the node's own listeners, NodeEvents among them.
            if (event instanceof Devices.DeviceRevoked revoked) {
              self[0].deviceRevoked(revoked);
            }
          };
      events = new NodeEvents(redis.template(), publisher);
      self[0] = events;
      subscriptions.addMessageListener(events, new ChannelTopic(NodeEvents.CHANNEL));
    }
  }

  /** Pub/sub keeps nothing: a node must learn that it (re)subscribed, to drop what it cached. */
  @Test
  void aNodeIsToldWhenItsSubscriptionStarts() {
    Node node = new Node();
    await().atMost(Duration.ofSeconds(5)).until(() -> node.resumed.get() >= 1);
  }

  @Test
  void aRevocationOnOneNodeIsReplayedOnTheOthersOnceAndNotEchoed() throws Exception {
    List<String> wire = new CopyOnWriteArrayList<>();
    subscriptions.addMessageListener(
        (message, pattern) -> wire.add(new String(message.getBody(), StandardCharsets.UTF_8)),
        new ChannelTopic(NodeEvents.CHANNEL));
    // The subscription is made asynchronously: wait until it carries a probe.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              redis.template().convertAndSend(NodeEvents.CHANNEL, "probe");
              Thread.sleep(50);
              return wire.contains("probe");
            });
    Node a = new Node();
    Node b = new Node();
    Node c = new Node();
    a.events.deviceRevoked(new Devices.DeviceRevoked("device-1"));
    await()
        .atMost(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              assertThat(b.local).containsExactly(new Devices.DeviceRevoked("device-1"));
              assertThat(c.local).containsExactly(new Devices.DeviceRevoked("device-1"));
            });
    Thread.sleep(200); // time for an echo, were there one
    assertThat(a.local).as("not replayed on the node it came from").isEmpty();
    assertThat(wire.stream().filter(m -> m.contains("device-1")))
        .as("sent once, not echoed by the nodes that replayed it")
        .hasSize(1);
  }
}
