package io.connectify.hub.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import io.connectify.hub.notification.NotificationProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Messages the broker itself dead-lettered. An event whose processing failed and whose dead letter could not be
 * stored either (the database down) rolls back; the broker redelivers it with back-off and, after its attempts,
 * moves it to its dead-letter queue {@code DLQ} (embedded and, by Artemis's defaults, external), keeping its source
 * address in {@code _AMQ_ORIG_ADDRESS}. From there it is counted and moved back into its source queue, each message
 * in a transaction of its own (received and sent again, or neither). An event already processed that waits here with
 * the key it could not record (its header {@code connectifyUnrecordedKey}, DeadLetterStore) keeps it when moved back:
 * its consumer records the key first and takes it for the duplicate it is.
 */
@Component
public class BrokerDeadLetters {

    /** The broker's dead-letter queue (WebhookConfig's address settings; Artemis's default). */
    public static final String QUEUE = "DLQ";
    private static final String ORIGIN = "_AMQ_ORIG_ADDRESS";
    private static final long RECEIVE_WAIT_MS = 500;
    private static final Logger log = LoggerFactory.getLogger(BrokerDeadLetters.class);

    private final ConnectionFactory connections;
    private final BrokerQueueDepth depths;
    private final List<String> queues;

    public BrokerDeadLetters(ConnectionFactory connections, BrokerQueueDepth depths,
                             @Value("${connectify.queues.stripe-events}") String stripe,
                             @Value("${connectify.queues.payrexx-events}") String payrexx,
                             @Value("${connectify.queues.twilio-status}") String twilioStatus,
                             NotificationProperties notifications) {
        this.connections = connections;
        this.depths = depths;
        List<String> queues = new ArrayList<>(List.of(stripe, payrexx, twilioStatus));
        queues.addAll(notifications.queues()); // the channels' queues, and the earlier versions' one
        this.queues = List.copyOf(queues);
    }

    /** Dead-lettered messages of each of the hub's queues. */
    public Map<String, Integer> waiting() throws JMSException {
        Map<String, Integer> waiting = new LinkedHashMap<>();
        queues.forEach(queue -> waiting.put(queue, 0));
        if (!exists()) {
            return waiting;
        }
        try (Connection connection = connections.createConnection();
             Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            for (String queue : queues) {
                try (QueueBrowser browser = session.createBrowser(session.createQueue(QUEUE), from(queue))) {
                    int count = 0; // counted as they are browsed: a list of them all could fill the heap
                    for (var messages = browser.getEnumeration(); messages.hasMoreElements(); messages.nextElement()) {
                        count++;
                    }
                    waiting.put(queue, count);
                }
            }
        }
        return waiting;
    }

    /** Moves every dead-lettered message of the hub's queues back to its source queue; answers how many, by queue. */
    public Map<String, Integer> replay() throws JMSException {
        Map<String, Integer> moved = new LinkedHashMap<>();
        queues.forEach(queue -> moved.put(queue, 0));
        if (!exists()) {
            return moved;
        }
        try (Connection connection = connections.createConnection()) {
            connection.start();
            try (Session session = connection.createSession(true, Session.SESSION_TRANSACTED)) {
                for (String queue : queues) {
                    moved.put(queue, move(session, queue));
                }
            }
        }
        moved.forEach((queue, count) -> {
            if (count > 0) {
                log.info("{} message(s) moved back from the broker's dead-letter queue into {}", count, queue);
            }
        });
        return moved;
    }

    /**
     * A consumer or browser on a missing queue would have the broker create it. A broker that cannot say how deep
     * its DLQ is (NaN) is browsed: its answer, or its failure, is the truth where a count of 0 would not be.
     */
    private boolean exists() {
        return depths.messageCount(QUEUE) != 0;
    }

    private static int move(Session session, String queue) throws JMSException {
        int count = 0;
        try (MessageConsumer consumer = session.createConsumer(session.createQueue(QUEUE), from(queue));
             MessageProducer producer = session.createProducer(session.createQueue(queue))) {
            for (Message message = consumer.receive(RECEIVE_WAIT_MS); message != null;
                 message = consumer.receive(RECEIVE_WAIT_MS)) {
                producer.send(message);
                session.commit();
                count++;
            }
        }
        return count;
    }

    private static String from(String queue) {
        return ORIGIN + " = '" + queue + "'";
    }
}
