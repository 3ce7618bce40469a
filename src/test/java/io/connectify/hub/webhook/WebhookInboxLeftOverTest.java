package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jakarta.jms.BytesMessage;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionOperations;

/**
 * A hub started with the webhook inbox off (as after CONNECTIFY_WEBHOOKS_INBOX_ENABLED=false, or in the scale-out
 * profile) on a directory where a run with it on left two acknowledged events: it forwards them to their queue in
 * the broker once Camel has started, closes the journal and removes its files. Before, nothing ever sent them; then
 * the journal's files stayed in the directory for ever once they had been forwarded. Each goes as a BytesMessage of
 * the event's UTF-8 bytes, as every forward of the inbox does (before, a TextMessage).
 */
@HubTest
@TestPropertySource(properties = "connectify.webhooks.inbox.enabled=false")
class WebhookInboxLeftOverTest extends HubTestBase {

    private static final String QUEUE = "inbox-left-over-test"; // no route consumes it: what arrives stays there

    @Autowired
    ConnectionFactory connectionFactory;

    @Autowired
    WebhookInbox inbox;

    @Autowired
    HealthIndicator webhookInboxHealthIndicator;

    private static Path directory;

    /** The journal a run with the inbox on left: written before the hub starts, its Camel never started. */
    @DynamicPropertySource
    static void leftOverInbox(DynamicPropertyRegistry registry) throws Exception {
        // where the test profile puts its inboxes: under target/, cleaned with the build
        directory = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-inbox")), "left-over");
        DefaultCamelContext earlier = new DefaultCamelContext();
        WebhookInbox on = inboxOfAnEarlierRun(directory, earlier);
        for (int i = 1; i <= 2; i++) {
            Exchange event = new DefaultExchange(earlier);
            event.getMessage().setHeader(WebhookHeaders.EVENT_KEY, "stripe:evt_left_" + i);
            event.getMessage().setHeader(WebhookHeaders.ORDER_GROUP, "booking-left");
            event.getMessage().setBody(leftOverBody(i));
            on.enqueue(event, "jms:queue:" + QUEUE);
        }
        on.stop();
        registry.add("connectify.webhooks.inbox.directory", directory::toString);
    }

    @Test
    void eventsAnInboxThatWasOnLeftReachTheirQueueInTheBroker() throws Exception {
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        jms.setReceiveTimeout(10_000);
        for (int i = 1; i <= 2; i++) {
            Message message = jms.receive(QUEUE);
            assertThat(message).isNotNull();
            // the event's UTF-8 bytes as a BytesMessage (before, a TextMessage: UTF-16 on the wire and in the journal)
            assertThat(message).isInstanceOf(BytesMessage.class);
            byte[] body = new byte[(int) ((BytesMessage) message).getBodyLength()];
            ((BytesMessage) message).readBytes(body);
            assertThat(body).isEqualTo(leftOverBody(i).getBytes(StandardCharsets.UTF_8));
            assertThat(message.getStringProperty(WebhookHeaders.EVENT_KEY)).isEqualTo("stripe:evt_left_" + i);
            assertThat(message.getStringProperty(WebhookHeaders.ORDER_GROUP)).isEqualTo("booking-left");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox.waiting() == 0);
        var health = webhookInboxHealthIndicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("enabled", false);
        jms.setReceiveTimeout(JmsTemplate.RECEIVE_TIMEOUT_NO_WAIT);
        assertThat(jms.receive(QUEUE)).isNull(); // each once
        // the drained journal's files are gone (two preallocated files of 10 MB)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(directory.toFile().list()).isEmpty());
    }

    /** A left-over event's body, with characters beyond ASCII: its bytes on the queue are its UTF-8. */
    private static String leftOverBody(int i) {
        return "{\"id\":\"evt_left_" + i + "\",\"city\":\"Z\u00fcrich\",\"note\":\"\u6771\u4eac\"}";
    }

    /**
     * An inbox that is on, in {@code directory}, as a run with it on had it: its events are written to the journal
     * there, and (its Camel {@code earlier} never started) left in it for the hub's start.
     */
    static WebhookInbox inboxOfAnEarlierRun(Path directory, DefaultCamelContext earlier) throws Exception {
        WebhookInbox on = new WebhookInbox(true, directory.toFile(), Duration.ofNanos(500_000), Long.MAX_VALUE,
                512 * 1024, Duration.ofMillis(20), Duration.ofSeconds(10), 8, earlier.createProducerTemplate(),
                Thread.NORM_PRIORITY, TransactionOperations.withoutTransaction(),
                new WebhookInbox.ForwardPolicy(10, Integer.MAX_VALUE, Duration.ZERO));
        on.start();
        return on;
    }
}
