package dev.shoal.controlplane.cluster;

import dev.shoal.controlplane.config.RedisConfigured;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/** Subscribes {@link NodeEvents} to the other nodes' events, when Redis is in use. */
@Configuration(proxyBeanMethods = false)
@Conditional(RedisConfigured.class)
class ClusterConfiguration {

  @Bean
  RedisMessageListenerContainer nodeEventsSubscription(
      RedisConnectionFactory connections, NodeEvents nodeEvents) {
    RedisMessageListenerContainer container = new RedisMessageListenerContainer();
    container.setConnectionFactory(connections);
    container.addMessageListener(nodeEvents, new ChannelTopic(NodeEvents.CHANNEL));
    return container;
  }
}
