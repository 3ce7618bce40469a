package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jms.connection.SingleConnectionFactory;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.util.unit.DataSize;

/**
 * A consumer of a connection factory with a consumer window is handed at most that window of queued events ahead
 * of its processing; the rest wait in the broker for whichever consumer is free (Artemis's default window, 1 MB,
 * would hand this one consumer all 400 events below). The hub's own factory gets the configured window.
 */
@HubTest
class BrokerClientSettingsTest extends HubTestBase {

    private static final String QUEUE = "consumer-window-check";
    private static final int EVENTS = 400;
    private static final String EVENT = "e".repeat(1024);
    private static final int WINDOW = 64 * 1024;

    @Autowired
    EmbeddedActiveMQ broker;

    @Autowired
    ConnectionFactory connectionFactory;

    @Value("${connectify.queues.consumer-window}")
    DataSize configuredWindow;

    @Test
    void theHubsConnectionFactoryHasTheConfiguredWindow() {
        assertThat(hubsArtemisFactory().getConsumerWindowSize()).isEqualTo(configuredWindow.toBytes());
    }

    @Test
    void aConsumerIsHandedOnlyItsWindowOfQueuedEvents() throws Exception {
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        for (int i = 0; i < EVENTS; i++) {
            jms.convertAndSend(QUEUE, EVENT);
        }
        long atMostHandedOut = WINDOW / EVENT.length() + 1;

        // a factory as Boot makes it (Spring's cache around Artemis's), to the hub's broker, given the window
        ActiveMQConnectionFactory toTheBroker = new ActiveMQConnectionFactory(false,
                hubsArtemisFactory().getServerLocator().getStaticTransportConfigurations());
        SingleConnectionFactory windowed = (SingleConnectionFactory) new BrokerClientSettings(WINDOW)
                .postProcessAfterInitialization(new SingleConnectionFactory(toTheBroker), "jmsConnectionFactory");
        try (Connection connection = windowed.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue(QUEUE));
            assertThat(consumer.receive(5_000)).isNotNull(); // received, not acknowledged: the rest stay handed out

            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> queue().getDeliveringCount() <= atMostHandedOut);
            assertThat(queue().getDeliveringCount()).isPositive();
        } finally {
            windowed.destroy();
            toTheBroker.close();
        }

        // all of them still there for the next consumer: the unacknowledged ones come back after the redelivery
        // delay (1 s), so the queue is drained until all have been received and none is left
        jms.setReceiveTimeout(100);
        AtomicInteger received = new AtomicInteger();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            while (jms.receive(QUEUE) != null) {
                received.incrementAndGet();
            }
            Queue queue = queue();
            return received.get() >= EVENTS && (queue == null || queue.getMessageCount() == 0);
        });
        assertThat(received).hasValue(EVENTS);
    }

    private ActiveMQConnectionFactory hubsArtemisFactory() {
        return (ActiveMQConnectionFactory) ((SingleConnectionFactory) connectionFactory).getTargetConnectionFactory();
    }

    private Queue queue() {
        return broker.getActiveMQServer().locateQueue(SimpleString.of(QUEUE));
    }
}
