package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.NotificationFakes.MAIL_SEND;
import static io.connectify.hub.support.NotificationFakes.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import io.connectify.hub.ops.BrokerQueueDepth;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.apache.activemq.artemis.api.core.Interceptor;
import org.apache.activemq.artemis.core.protocol.core.Packet;
import org.apache.activemq.artemis.core.protocol.core.impl.wireformat.SessionAcknowledgeMessage;
import org.apache.activemq.artemis.core.protocol.core.impl.wireformat.SessionCommitMessage;
import org.apache.activemq.artemis.core.protocol.core.impl.wireformat.SessionQueueQueryMessage;
import org.apache.activemq.artemis.core.protocol.core.impl.wireformat.SessionSendMessage;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * What the hub asks of the broker per event, as the broker receives it: a webhook is one durable send (its queue is
 * not looked up again on every send), and a processed payment event is acknowledged in the same transaction, on the
 * same session, as the notifications it queues, with one commit.
 */
@HubTest
class BrokerRoundTripsTest extends Webhooks {

    private static final String START = "2026-12-01T10:00:00+01:00";

    @Autowired
    EmbeddedActiveMQ broker;

    @Autowired
    BrokerQueueDepth queueDepth;

    @Value("${connectify.queues.stripe-events}")
    String stripeEvents;

    @Value("${connectify.notifications.sms-queue}")
    String smsQueue;
    @Value("${connectify.notifications.email-queue}")
    String emailQueue;

    /** On or off by its setting or by the broker (WebhookConfig): whichever the inbox took. */
    @Autowired
    WebhookInbox inbox;

    /** Session packets as the broker received them, in order, each with the session it came on. */
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Interceptor recorder = (packet, connection) -> {
        received.add(new Received(connection.getID() + "/" + packet.getChannelID(), packet));
        return true;
    };

    @BeforeEach
    void record() {
        broker.getActiveMQServer().getRemotingService().addIncomingInterceptor(recorder);
    }

    @AfterEach
    void stopRecording() {
        broker.getActiveMQServer().getRemotingService().removeIncomingInterceptor(recorder);
    }

    @Test
    void aWebhookIsOneDurableSendWithoutLookingUpItsQueueAgain() {
        // more webhooks, one after the other, than the hub keeps cached sessions (one per request thread, 64): each
        // cached session sends several, whichever the earlier tests left in the cache (without the inbox; with it,
        // its forwarder sends them all on its session)
        int webhooks = 2 * 64 + 2;
        for (int i = 0; i < webhooks; i++) {
            assertThat(signedStripeWebhook(unknownBookingEvent("evt_rt_" + i)).status()).isEqualTo(200);
        }
        // the webhook inbox (on in the test profile) sends them after the answers: wait until it has sent them all
        await().atMost(Duration.ofSeconds(15)).until(() -> received.stream().filter(r ->
                r.packet() instanceof SessionSendMessage send && stripeEvents.equals(send.getMessage().getAddress()))
                .count() >= webhooks);

        Map<String, List<Packet>> bySession = received.stream().collect(
                Collectors.groupingBy(Received::session, Collectors.mapping(Received::packet, Collectors.toList())));
        Map<String, Long> sends = new HashMap<>();
        bySession.forEach((session, packets) -> {
            List<SessionSendMessage> queued = packets.stream().filter(SessionSendMessage.class::isInstance)
                    .map(SessionSendMessage.class::cast)
                    .filter(send -> stripeEvents.equals(send.getMessage().getAddress())).toList();
            assertThat(queued).allSatisfy(send -> {
                // without the inbox the request's 200 waits for the broker's answer to its send; the inbox's
                // forwarder sends in a transaction and waits for the commit (WebhookInboxTransactionsTest)
                assertThat(send.isRequiresResponse()).as("a blocking send").isEqualTo(!inbox.enabled());
                assertThat(send.getMessage().isDurable()).isTrue();
            });
            if (!queued.isEmpty() && inbox.enabled()) {
                assertThat(packets.subList(indexOf(packets, queued.get(queued.size() - 1)), packets.size()))
                        .as("a commit after the session's last send").anyMatch(SessionCommitMessage.class::isInstance);
            }
            if (!queued.isEmpty()) {
                sends.put(session, (long) queued.size());
                // a session looks its queue up when it first sends there (twice: the destination, the producer)
                assertThat(packets).as("queue lookups on a session that sent %d webhooks", queued.size())
                        .filteredOn(SessionQueueQueryMessage.class::isInstance).hasSizeLessThanOrEqualTo(2);
            }
        });
        assertThat(sends.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(webhooks);
        assertThat(sends.values()).as("some session sent several").anyMatch(count -> count >= 3);
        // consumed before the next test (this context's queue consumers would take them during it)
        await().atMost(Duration.ofSeconds(30)).until(() -> queueDepth.messageCount(stripeEvents) == 0);
    }

    @Test
    void aPaymentEventIsAcknowledgedWithTheNotificationsItQueuesInOneCommit() {
        confirmedStripeBooking(START);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });

        List<Received> queued = received.stream().filter(r -> r.packet() instanceof SessionSendMessage send
                && List.of(smsQueue, emailQueue).contains(send.getMessage().getAddress())).toList();
        assertThat(queued).as("an SMS and an email").hasSize(2);
        String session = queued.get(0).session();
        assertThat(queued).allSatisfy(send -> {
            assertThat(send.session()).as("sent on the consumer's session").isEqualTo(session);
            assertThat(((SessionSendMessage) send.packet()).isRequiresResponse())
                    .as("a send inside a transaction does not wait for the broker").isFalse();
        });
        // that session's packets from its previous commit to the first commit after the sends: the event's
        // acknowledgement and the sends, committed once (an idle consumer also commits, after each empty receive)
        List<Packet> onThatSession = received.stream().filter(r -> r.session().equals(session))
                .map(Received::packet).toList();
        int lastSend = indexOf(onThatSession, queued.get(1).packet());
        int commit = lastSend;
        while (!(onThatSession.get(commit) instanceof SessionCommitMessage)) {
            commit++;
        }
        int previousCommit = lastSend;
        while (previousCommit >= 0 && !(onThatSession.get(previousCommit) instanceof SessionCommitMessage)) {
            previousCommit--;
        }
        List<Packet> transaction = onThatSession.subList(previousCommit + 1, commit + 1);
        assertThat(transaction).filteredOn(SessionAcknowledgeMessage.class::isInstance).hasSize(1);
        assertThat(transaction).filteredOn(SessionCommitMessage.class::isInstance).hasSize(1);
        assertThat(indexOf(onThatSession, queued.get(0).packet())).isGreaterThan(previousCommit);
    }

    /** By identity: packets of one kind on one session are equal to each other. */
    private static int indexOf(List<Packet> packets, Packet packet) {
        for (int i = 0; i < packets.size(); i++) {
            if (packets.get(i) == packet) {
                return i;
            }
        }
        throw new AssertionError("not received: " + packet);
    }

    private static String unknownBookingEvent(String id) {
        return StripeFake.event(id, "checkout.session.completed",
                StripeFake.checkoutSession("00000000-0000-4000-8000-000000000001", "paid", "pi_rt"));
    }

    private record Received(String session, Packet packet) {
    }
}
