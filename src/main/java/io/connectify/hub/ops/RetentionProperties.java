package io.connectify.hub.ops;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How long the hub keeps the records that grow with every event: processed event keys (the idempotent consumer's
 * memory), audit records, and dead letters replayed (each failed replay of one leaves its predecessor). Zero keeps
 * them for ever; a negative period is refused (it kept them for ever too, which no one could tell from the
 * configuration). Processed event keys are kept at least {@link #PROVIDER_RETRIES}: Stripe redelivers an event for up
 * to 3 days, and a redelivery whose key is gone is processed again.
 */
@ConfigurationProperties("connectify.retention")
public record RetentionProperties(Duration processedEvents, Duration audit, Duration deadLetters,
                                  Duration sweepInterval, int batchSize) {

    /** Stripe retries a webhook delivery for up to 3 days. */
    public static final Duration PROVIDER_RETRIES = Duration.ofDays(3);

    public RetentionProperties {
        PropertyChecks.notNegative("connectify.retention.processed-events", processedEvents, "0 keeps them for ever");
        PropertyChecks.notNegative("connectify.retention.audit", audit, "0 keeps them for ever");
        PropertyChecks.notNegative("connectify.retention.dead-letters", deadLetters, "0 keeps them for ever");
        if (processedEvents != null && !processedEvents.isZero() && processedEvents.compareTo(PROVIDER_RETRIES) < 0) {
            throw ConfigurationError.invalid("connectify.retention.processed-events must be 0 (for ever) or at least "
                    + "3 days, Stripe's retry window (a redelivery whose key is gone is processed again), not "
                    + processedEvents);
        }
        PropertyChecks.positive("connectify.retention.sweep-interval", sweepInterval, PropertyChecks.TIMER);
        if (batchSize < 1) {
            // the sweep deletes batch after batch until one comes back short: zero rows would never end it
            throw ConfigurationError.invalid("connectify.retention.batch-size must be at least 1, not " + batchSize);
        }
    }
}
