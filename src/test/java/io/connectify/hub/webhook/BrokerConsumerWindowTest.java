package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jms.connection.SingleConnectionFactory;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.util.unit.DataSize;

/**
 * A consumer of the hub's connection factory is handed at most {@code connectify.queues.consumer-window} of queued
 * events ahead of its processing; the rest wait in the broker for whichever consumer is free (Artemis's default
 * window, 1 MB, would hand this one consumer all 400 events below).
 */
@HubTest
class BrokerConsumerWindowTest extends HubTestBase {

    private static final String QUEUE = "consumer-window-check";
    private static final int EVENTS = 400;
    private static final String EVENT = "e".repeat(1024);

    @Autowired
    EmbeddedActiveMQ broker;

    @Autowired
    ConnectionFactory connectionFactory;

    @Value("${connectify.queues.consumer-window}")
    DataSize window;

    @Test
    void aConsumerIsHandedOnlyItsWindowOfQueuedEvents() throws Exception {
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        for (int i = 0; i < EVENTS; i++) {
            jms.convertAndSend(QUEUE, EVENT);
        }
        long atMostHandedOut = window.toBytes() / EVENT.length() + 1;

        // the broker connection Spring's cache wraps: closing it here really closes the consumer
        ConnectionFactory artemis = ((SingleConnectionFactory) connectionFactory).getTargetConnectionFactory();
        try (Connection connection = artemis.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue(QUEUE));
            assertThat(consumer.receive(5_000)).isNotNull(); // received, not acknowledged: the rest stay handed out

            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> queue().getDeliveringCount() <= atMostHandedOut);
            assertThat(queue().getDeliveringCount()).isPositive();
        }

        jms.setReceiveTimeout(3_000); // the unacknowledged ones come back after the redelivery delay (1 s)
        int received = 0;
        while (jms.receive(QUEUE) != null) {
            received++;
        }
        assertThat(received).isEqualTo(EVENTS);
    }

    private Queue queue() {
        return broker.getActiveMQServer().locateQueue(SimpleString.of(QUEUE));
    }
}
