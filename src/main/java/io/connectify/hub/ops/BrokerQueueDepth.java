package io.connectify.hub.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSClient;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Messages waiting in a queue of the broker: read directly from the embedded broker, or asked of an external Artemis
 * through its management address (Artemis' request-reply management API over JMS; the broker user needs the
 * manage permission, which the Artemis image's admin user has). An external answer is kept a few seconds so a
 * Prometheus scrape costs at most one request per queue. NaN when the broker cannot say.
 */
@Component
public class BrokerQueueDepth {

    private static final Duration KEEP = Duration.ofSeconds(5);
    private static final long ANSWER_WAIT_MS = 2000;

    private final ObjectProvider<EmbeddedActiveMQ> embedded;
    private final ObjectProvider<ConnectionFactory> connections;
    private final Map<String, Reading> readings = new ConcurrentHashMap<>();

    public BrokerQueueDepth(ObjectProvider<EmbeddedActiveMQ> embedded, ObjectProvider<ConnectionFactory> connections) {
        this.embedded = embedded;
        this.connections = connections;
    }

    public double messageCount(String queue) {
        EmbeddedActiveMQ broker = embedded.getIfAvailable();
        if (broker != null && broker.getActiveMQServer() != null) {
            var located = broker.getActiveMQServer().locateQueue(SimpleString.of(queue));
            return located == null ? 0 : located.getMessageCount();
        }
        Reading last = readings.get(queue);
        if (last != null && last.at().plus(KEEP).isAfter(Instant.now())) {
            return last.count();
        }
        double count = ask(queue);
        readings.put(queue, new Reading(count, Instant.now()));
        return count;
    }

    private double ask(String queue) {
        ConnectionFactory factory = connections.getIfAvailable();
        if (factory == null) {
            return Double.NaN;
        }
        try (Connection connection = factory.createConnection()) {
            connection.start();
            try (Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
                TemporaryQueue replies = session.createTemporaryQueue();
                Message request = session.createMessage();
                JMSManagementHelper.putAttribute(request, ResourceNames.QUEUE + queue, "messageCount");
                request.setJMSReplyTo(replies);
                session.createProducer(ActiveMQJMSClient.createQueue("activemq.management")).send(request);
                try (MessageConsumer consumer = session.createConsumer(replies)) {
                    Message reply = consumer.receive(ANSWER_WAIT_MS);
                    if (reply == null || !JMSManagementHelper.hasOperationSucceeded(reply)) {
                        return Double.NaN; // no such queue yet, or no manage permission
                    }
                    return ((Number) JMSManagementHelper.getResult(reply)).doubleValue();
                } finally {
                    replies.delete();
                }
            }
        } catch (Exception brokerUnreachable) { // JMSManagementHelper.getResult declares Exception
            return Double.NaN; // the jms health indicator says why
        }
    }

    private record Reading(double count, Instant at) {
    }
}
