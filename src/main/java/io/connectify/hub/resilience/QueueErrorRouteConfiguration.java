package io.connectify.hub.resilience;

import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Error handling of the routes that do not answer an HTTP caller.
 * <ul>
 * <li>{@code queue-consumers}: the dead-letter channel. A queued message whose processing fails is redelivered in
 * place with exponential back-off (its consumer route is one step, to an {@code internal} route of steps: the handler
 * copies the exchange before every step it may redeliver, and a retry runs all the steps again on the message as it
 * came), each failed attempt logged ({@link RedeliveryLog}); if it still fails, the original message is stored as a
 * dead letter (listable, replayable) and the queue moves on. If even storing fails, the transaction rolls back and
 * the broker redelivers, unless the event was processed and only its key could not be recorded: then it goes back on
 * its queue with its key (DeadLetterStore), so no redelivery acts on it again.
 * <li>{@code internal}: no error handler, for routes other routes call: a failure travels unchanged to the caller's
 * handling (a nested route's own error handler would mark it handled, and the caller could no longer react).
 * </ul>
 */
@Component
public class QueueErrorRouteConfiguration extends RouteConfigurationBuilder {

    public static final String QUEUE_CONSUMERS = "queue-consumers";
    public static final String INTERNAL = "internal";

    private final int maxRedeliveries;
    private final long redeliveryDelayMillis;

    public QueueErrorRouteConfiguration(@Value("${connectify.dead-letters.max-redeliveries}") int maxRedeliveries,
                                        @Value("${connectify.dead-letters.redelivery-delay}") java.time.Duration delay) {
        this.maxRedeliveries = maxRedeliveries;
        this.redeliveryDelayMillis = delay.toMillis();
    }

    @Override
    public void configuration() {
        routeConfiguration(QUEUE_CONSUMERS)
                .errorHandler(deadLetterChannel("bean:deadLetterStore?method=store")
                        // storing that fails too fails the exchange, so its transaction rolls back and the broker
                        // redelivers (Camel's default, true, would log it, commit, and lose the message)
                        .deadLetterHandleNewException(false)
                        .useOriginalMessage()
                        .maximumRedeliveries(maxRedeliveries)
                        .redeliveryDelay(redeliveryDelayMillis)
                        .useExponentialBackOff()
                        .backOffMultiplier(2)
                        // each attempt logged by RedeliveryLog, under the message's correlation id and booking:
                        // Camel's own line came after the step's MDC was cleared, and named neither
                        .logRetryAttempted(false)
                        .onRedelivery(new RedeliveryLog(maxRedeliveries))
                        .logExhausted(false));

        routeConfiguration(INTERNAL).errorHandler(noErrorHandler());
    }
}
