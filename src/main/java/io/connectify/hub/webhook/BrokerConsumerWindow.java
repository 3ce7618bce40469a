package io.connectify.hub.webhook;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jms.connection.SingleConnectionFactory;

/**
 * How many bytes of queued events the broker hands each queue consumer ahead of its processing (Artemis's
 * consumer window), set on the hub's connection factory as Spring Boot creates it (Boot has no property for it).
 * Artemis's default, 1 MB, is about 800 webhook events per consumer: a consumer held that many events it had not
 * started while the others idled, and the broker, which reads a paged backlog back {@code broker-memory} at a
 * time, stopped reading it until they were acknowledged ("AMQ224127: Message dispatch from paging is blocked" in
 * the log at every burst). With a small window the events wait in the broker, which gives each to the next free
 * consumer (and, with several hub instances, to the next free instance); and when an instance dies, only its
 * window's events wait for the broker to notice the lost connection before they go to another instance.
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
