package io.connectify.hub.webhook;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jms.connection.SingleConnectionFactory;

/**
 * Settings of the hub's Artemis connection factory that Spring Boot has no property for, applied as Boot creates
 * the factory (embedded or external broker alike).
 * <ul>
 * <li>The consumer window ({@code connectify.queues.consumer-window}): how many bytes of queued events the broker
 * hands each queue consumer ahead of its processing. Artemis's default, 1 MB, is about 800 webhook events per
 * consumer: one consumer can hold that many it has not started while others idle, and when an instance dies its
 * held events wait for the broker to notice the lost connection. A smaller window spreads the events over
 * consumers and instances; on one instance under a steady 1,000 webhooks/s its consumers fell behind
 * (bench/RESULTS.md), so the default stays at 1 MB.</li>
 * <li>Destinations cached per session: without it, every send resolves its queue by name with a blocking query to
 * the broker ({@code Session.createQueue} asks whether the queue exists), a second broker round trip beside the
 * durable send itself for every webhook (14% of the request threads' CPU, bench/RESULTS.md). The hub's
 * queues are fixed by configuration and not deleted while it runs (README, scale-out), so a cached destination
 * does not go stale.</li>
 * </ul>
 */
class BrokerClientSettings implements BeanPostProcessor {

    private final int consumerWindowBytes;

    BrokerClientSettings(int consumerWindowBytes) {
        this.consumerWindowBytes = consumerWindowBytes;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Object factory = bean instanceof SingleConnectionFactory caching ? caching.getTargetConnectionFactory() : bean;
        if (factory instanceof ActiveMQConnectionFactory artemis) {
            artemis.setConsumerWindowSize(consumerWindowBytes);
            artemis.setCacheDestinations(true);
        }
        return bean;
    }
}
