package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * A hub started with the webhook inbox off on a directory where a run with it on left a payment's
 * payment_intent.succeeded, and a new charge.refunded of that payment posted as soon as it is up: the left-over
 * event reaches the payment events queue first, so the payment's consumer (one per message group) processes them in
 * the order Stripe sent them. Before, the new event went straight to the queue while the left-over one still waited
 * in the journal, and was processed first. The queue's consumers are off here, so the test reads the queue's order;
 * the forwarder lingers, as a busy start's may take its time, so that the post comes while the left-over waits.
 */
@HubTest
@TestPropertySource(properties = {
        "connectify.webhooks.inbox.enabled=false",
        "connectify.queues.consumers-enabled=false",
        "connectify.webhooks.inbox.forward-linger=3s"})
class WebhookInboxLeftOverOrderTest extends Webhooks {

    private static final String PAYMENT = "pi_left_order";

    @Autowired
    ConnectionFactory connectionFactory;

    @Autowired
    WebhookInbox inbox;

    /** The journal a run with the inbox on left: written before the hub starts, its Camel never started. */
    @DynamicPropertySource
    static void leftOverInbox(DynamicPropertyRegistry registry) throws Exception {
        Path directory = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-inbox")), "order");
        DefaultCamelContext earlier = new DefaultCamelContext();
        WebhookInbox on = WebhookInboxLeftOverTest.inboxOfAnEarlierRun(directory, earlier);
        Exchange event = new DefaultExchange(earlier);
        event.getMessage().setHeader(WebhookHeaders.PROVIDER, "stripe");
        event.getMessage().setHeader(WebhookHeaders.EVENT_KEY, "stripe:evt_left_succeeded");
        event.getMessage().setHeader(WebhookHeaders.EVENT_TYPE, "payment_intent.succeeded");
        event.getMessage().setHeader(WebhookHeaders.ORDER_GROUP, "payment:" + PAYMENT);
        event.getMessage().setBody(StripeFake.event("evt_left_succeeded", "payment_intent.succeeded",
                StripeFake.paymentIntent("booking-left-order", PAYMENT, "succeeded")));
        on.enqueue(event, "jms:queue:stripe-events");
        on.stop();
        registry.add("connectify.webhooks.inbox.directory", directory::toString);
    }

    @Test
    void aNewEventOfAPaymentIsQueuedAfterItsLeftOverEvent() throws Exception {
        String refunded = StripeFake.event("evt_new_refunded", "charge.refunded", """
                {"id":"ch_left_order","object":"charge","payment_intent":"%s","amount":9000,"amount_refunded":9000,
                 "currency":"chf","refunded":true,"metadata":{"bookingId":"booking-left-order"}}""".formatted(PAYMENT));

        var answer = signedStripeWebhook(refunded);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        jms.setReceiveTimeout(10_000);
        Message first = jms.receive("stripe-events");
        Message second = jms.receive("stripe-events");
        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(first.getStringProperty(WebhookHeaders.EVENT_KEY)).isEqualTo("stripe:evt_left_succeeded");
        assertThat(second.getStringProperty(WebhookHeaders.EVENT_KEY)).isEqualTo("stripe:evt_new_refunded");
        // one message group: the broker hands them to one consumer, in this order
        assertThat(first.getStringProperty(WebhookHeaders.ORDER_GROUP)).isEqualTo("payment:" + PAYMENT);
        assertThat(second.getStringProperty(WebhookHeaders.ORDER_GROUP)).isEqualTo("payment:" + PAYMENT);
        assertThat(inbox.waiting()).isZero();
    }
}
