package io.connectify.hub.webhook;

import java.util.Map;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultProducer;

/**
 * The webhook inbox as a Camel endpoint, {@code webhook-inbox:<queue endpoint>}: a webhook route enqueues its
 * verified event with {@code to: "webhook-inbox:jms:queue:{{connectify.queues.stripe-events}}"}, and the producer
 * returns once the event is durable ({@link WebhookInbox#enqueue}: in the inbox, or in its queue when the inbox is
 * off or full), counting it as enqueued. The rest of the URI is the queue the inbox forwards the event to,
 * without options (they would be read as this endpoint's, and refused).
 * <p>
 * Why an endpoint rather than a bean call with the queue as its parameter: Camel's bean binding parsed and
 * evaluated that parameter, chose the method and converted its arguments on every webhook; with the metrics step
 * beside it, about a tenth of a webhook's time on its request thread (bench/RESULTS.md). The endpoint is resolved
 * once, when its route starts.
 */
public class WebhookInboxComponent extends DefaultComponent {

    /** The scheme the routes use. */
    public static final String SCHEME = "webhook-inbox";

    private final WebhookInbox inbox;
    private final WebhookMetrics metrics;

    public WebhookInboxComponent(WebhookInbox inbox, WebhookMetrics metrics) {
        this.inbox = inbox;
        this.metrics = metrics;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException(SCHEME + ": names no queue to forward to, as in "
                    + SCHEME + ":jms:queue:stripe-events");
        }
        return new InboxEndpoint(uri, this, remaining);
    }

    private final class InboxEndpoint extends DefaultEndpoint {

        private final String queueUri;

        InboxEndpoint(String uri, WebhookInboxComponent component, String queueUri) {
            super(uri, component);
            this.queueUri = queueUri;
        }

        @Override
        public Producer createProducer() {
            return new DefaultProducer(this) {
                @Override
                public void process(Exchange exchange) throws Exception {
                    // carried with the event, so its audit (WebhookAudit) times it from its receipt
                    exchange.getMessage().setHeader(WebhookHeaders.RECEIVED_AT, exchange.getClock().getCreated());
                    inbox.enqueue(exchange, queueUri);
                    metrics.enqueued(exchange.getMessage().getHeader(WebhookHeaders.PROVIDER, String.class));
                }
            };
        }

        @Override
        public Consumer createConsumer(Processor processor) {
            throw new UnsupportedOperationException(SCHEME + " is for sending to; its events are consumed from "
                    + "their queue");
        }
    }
}
