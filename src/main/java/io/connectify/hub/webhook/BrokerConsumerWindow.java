package io.connectify.hub.webhook;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jms.connection.SingleConnectionFactory;

/**
 * How many bytes of queued events the broker hands each queue consumer ahead of its processing (Artemis's
 * consumer window, {@code connectify.queues.consumer-window}), set on the hub's connection factory as Spring Boot
 * creates it (Boot has no property for it). Artemis's default, 1 MB, is about 800 webhook events per consumer: one
 * consumer can hold that many it has not started while others idle, and when an instance dies its held events
 * wait for the broker to notice the lost connection. A smaller window spreads the events over consumers and
 * instances; on one instance under a steady 1,000 webhooks/s its consumers fell behind (bench/RESULTS.md), so the
 * default stays at 1 MB.
 */
class BrokerConsumerWindow implements BeanPostProcessor {

    private final int bytes;

    BrokerConsumerWindow(int bytes) {
        this.bytes = bytes;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Object factory = bean instanceof SingleConnectionFactory caching ? caching.getTargetConnectionFactory() : bean;
        if (factory instanceof ActiveMQConnectionFactory artemis) {
            artemis.setConsumerWindowSize(bytes);
        }
        return bean;
    }
}
