package io.connectify.hub.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

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
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Messages waiting in a queue of the broker: read directly from the embedded broker, or asked of an external Artemis
 * through its management address (Artemis' request-reply management API over JMS; the broker user needs the
 * manage permission, which the Artemis image's admin user has). An external answer is kept a few seconds so a
 * Prometheus scrape costs at most one request per queue. NaN when the broker cannot say.
 * <p>
 * A gauge reads {@link #lastKnownCount}, which never waits on an external broker: it answers the last reading and
 * asks for a fresh one on a thread of its own. A scrape that asked the broker itself waited up to the broker's
 * connect and call timeouts per queue when it was unreachable or slow, and a scrape that outlasts Prometheus's
 * timeout loses every metric of the hub, just when they are needed. A question the broker does not answer (in 2 s,
 * or with an error) leaves the last reading as it was until it is a minute old: before, it was replaced by NaN at
 * once, and one slow answer reset QueueBacklog's for: 10m.
 */
@Component
public class BrokerQueueDepth {

    private static final Duration KEEP = Duration.ofSeconds(5);
    /** A reading older than this is not shown: the broker has not answered for a minute, so nobody can say. */
    private static final Duration STALE = Duration.ofMinutes(1);
    private static final long ANSWER_WAIT_MS = 2000;

    private final ObjectProvider<EmbeddedActiveMQ> embedded;
    private final ObjectProvider<ConnectionFactory> connections;
    private final Map<String, Reading> readings = new ConcurrentHashMap<>();
    private final Set<String> asking = ConcurrentHashMap.newKeySet();
    private final Executor asker;
    private final Clock clock;

    @Autowired
    public BrokerQueueDepth(ObjectProvider<EmbeddedActiveMQ> embedded, ObjectProvider<ConnectionFactory> connections) {
        this(embedded, connections, Clock.systemUTC());
    }

    BrokerQueueDepth(ObjectProvider<EmbeddedActiveMQ> embedded, ObjectProvider<ConnectionFactory> connections,
                     Clock clock) {
        this.embedded = embedded;
        this.connections = connections;
        this.clock = clock;
        this.asker = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "broker-queue-depth");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The last reading of the queue's depth, NaN before the first and once it is a minute old; one a few seconds old
     * is refreshed in the background.
     */
    public double lastKnownCount(String queue) {
        Double local = embeddedCount(queue);
        if (local != null) {
            return local;
        }
        Reading last = readings.get(queue);
        if (!fresh(last) && asking.add(queue)) {
            asker.execute(() -> {
                try {
                    read(queue);
                } finally {
                    asking.remove(queue);
                }
            });
        }
        return last == null || last.at().plus(STALE).isBefore(clock.instant()) ? Double.NaN : last.count();
    }

    /** The queue's depth, asked of an external broker unless a reading is a few seconds old; the caller waits. */
    public double messageCount(String queue) {
        Double local = embeddedCount(queue);
        if (local != null) {
            return local;
        }
        Reading last = readings.get(queue);
        if (fresh(last)) {
            return last.count();
        }
        Double count = read(queue);
        return count == null ? Double.NaN : count;
    }

    /** Asks the broker and keeps its answer; null, the last reading left as it was, when there is none. */
    private Double read(String queue) {
        Double count = ask(queue);
        if (count != null) {
            readings.put(queue, new Reading(count, clock.instant()));
        }
        return count;
    }

    /** Null when the broker is not embedded. */
    private Double embeddedCount(String queue) {
        EmbeddedActiveMQ broker = embedded.getIfAvailable();
        if (broker == null || broker.getActiveMQServer() == null) {
            return null;
        }
        var located = broker.getActiveMQServer().locateQueue(SimpleString.of(queue));
        return located == null ? 0.0 : located.getMessageCount();
    }

    private boolean fresh(Reading reading) {
        return reading != null && reading.at().plus(KEEP).isAfter(clock.instant());
    }

    /** The broker's answer, or null when it gives none (unreachable, slow, no such queue yet, no permission). */
    Double ask(String queue) {
        ConnectionFactory factory = connections.getIfAvailable();
        if (factory == null) {
            return null;
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
                        return null; // no answer in time, no such queue yet, or no manage permission
                    }
                    return ((Number) JMSManagementHelper.getResult(reply)).doubleValue();
                } finally {
                    replies.delete();
                }
            }
        } catch (Exception brokerUnreachable) { // JMSManagementHelper.getResult declares Exception
            return null; // the jms health indicator says why
        }
    }

    private record Reading(double count, Instant at) {
    }
}
