package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.apache.activemq.artemis.api.core.Interceptor;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.protocol.core.Packet;
import org.apache.activemq.artemis.core.protocol.core.impl.wireformat.RollbackMessage;
import org.apache.activemq.artemis.core.protocol.core.impl.wireformat.SessionCommitMessage;
import org.apache.activemq.artemis.core.protocol.core.impl.wireformat.SessionSendMessage;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The inbox's forwarder against the embedded broker: events that wait together go to their queues in one broker
 * transaction, and a send that fails rolls back the others, so a retried batch queues each event once.
 */
@HubTest
class WebhookInboxTransactionsTest extends Webhooks {

    private static final String PROBE_QUEUE = "inbox-transactions-probe";

    @Autowired
    EmbeddedActiveMQ broker;

    @Autowired
    WebhookInbox inbox;

    @Autowired
    CamelContext camel;

    private final List<Packet> received = new CopyOnWriteArrayList<>();
    /** Whether the test's refusing destination still refuses: cleared after each test, so its events drain. */
    private final AtomicBoolean refuse = new AtomicBoolean(true);
    private final Interceptor recorder = (packet, connection) -> {
        received.add(packet);
        return true;
    };

    @AfterEach
    void removeTestRoutes() throws Exception {
        broker.getActiveMQServer().getRemotingService().removeIncomingInterceptor(recorder);
        // a test that failed midway leaves its batch waiting for the refusing route: let it through before the route
        // goes, or every later test's webhook (shared context) waits behind a batch that can never be forwarded
        refuse.set(false);
        await().atMost(Duration.ofSeconds(15)).until(() -> inbox.waiting() == 0);
        for (String route : List.of("test-inbox-hold", "test-inbox-refuse")) {
            camel.getRouteController().stopRoute(route);
            camel.removeRoute(route);
        }
    }

    @Test
    void eventsWaitingTogetherGoToTheQueueInOneTransactionThatARefusedSendRollsBack() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:inbox-hold").routeId("test-inbox-hold").process(exchange -> {
                    held.countDown();
                    release.await(10, TimeUnit.SECONDS);
                });
                from("direct:inbox-refuse").routeId("test-inbox-refuse").process(exchange -> {
                    if (refuse.get()) {
                        throw new IllegalStateException("refused");
                    }
                });
            }
        });
        await().atMost(Duration.ofSeconds(15)).until(() -> inbox.waiting() == 0); // what earlier tests sent
        broker.getActiveMQServer().getRemotingService().addIncomingInterceptor(recorder);

        // the forwarder is held inside the first event's transaction while the next six wait behind it
        inbox.enqueue(event("evt_tx_hold"), "direct:inbox-hold");
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 5; i++) {
            inbox.enqueue(event("evt_tx_" + i), "jms:queue:" + PROBE_QUEUE);
        }
        inbox.enqueue(event("evt_tx_refused"), "direct:inbox-refuse");
        release.countDown();

        // one transaction for the six: its sixth send fails, and the broker is told to roll back the five before it
        await().atMost(Duration.ofSeconds(10)).until(() -> forwarderRollbacks() >= 2); // tried again
        assertThat(probeSends()).isGreaterThanOrEqualTo(10);
        assertThat(probeQueueDepth()).as("none of a rolled-back batch is queued").isZero();
        assertThat(inbox.forwarding()).isFalse();
        assertThat(inbox.waiting()).isEqualTo(6);

        refuse.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox.waiting() == 0);
        assertThat(inbox.forwarding()).isTrue();
        assertThat(probeQueueDepth()).as("each queued once, however often it was sent").isEqualTo(5);
        // the sends of a transaction do not wait for the broker; its commit does, once for all of them
        // a copy: the broker's other packets (pings, other sessions) keep arriving, and a live sub-list of a
        // CopyOnWriteArrayList throws ConcurrentModificationException once its list has grown
        List<Packet> packets = List.copyOf(received);
        List<SessionSendMessage> sends = packets.stream().filter(this::toProbe).map(SessionSendMessage.class::cast)
                .toList();
        assertThat(sends).allSatisfy(send -> {
            assertThat(send.isRequiresResponse()).isFalse();
            assertThat(send.getMessage().isDurable()).isTrue();
        });
        assertThat(count(SessionCommitMessage.class)).isGreaterThanOrEqualTo(1);
        SessionSendMessage last = sends.get(sends.size() - 1);
        int lastSend = 0;
        while (packets.get(lastSend) != last) { // by identity: packets of one kind may be equal to each other
            lastSend++;
        }
        assertThat(packets.subList(lastSend + 1, packets.size()))
                .as("the packets after the last attempt's five sends")
                .filteredOn(packet -> packet instanceof SessionCommitMessage || toProbe(packet)).first()
                .isInstanceOf(SessionCommitMessage.class);
    }

    private boolean toProbe(Packet packet) {
        return packet instanceof SessionSendMessage send && PROBE_QUEUE.equals(send.getMessage().getAddress());
    }

    private long probeSends() {
        return received.stream().filter(this::toProbe).count();
    }

    /**
     * Rollbacks on the forwarder's sessions (those that sent to the probe queue): the broker's other sessions roll
     * back too (a queue consumer whose event fails is redelivered), and counted with them, two rollbacks could come
     * before the forwarder had tried its batch twice.
     */
    private long forwarderRollbacks() {
        java.util.Set<Long> forwarder = received.stream().filter(this::toProbe).map(Packet::getChannelID)
                .collect(java.util.stream.Collectors.toSet());
        return received.stream().filter(packet -> packet instanceof RollbackMessage
                && forwarder.contains(packet.getChannelID())).count();
    }

    private long count(Class<? extends Packet> type) {
        return received.stream().filter(type::isInstance).count();
    }

    private long probeQueueDepth() {
        Queue queue = broker.getActiveMQServer().locateQueue(SimpleString.of(PROBE_QUEUE));
        return queue == null ? 0 : queue.getMessageCount();
    }

    private Exchange event(String id) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader(WebhookHeaders.EVENT_KEY, id);
        exchange.getMessage().setBody("{\"id\":\"" + id + "\"}");
        return exchange;
    }
}
