package io.connectify.hub.ops;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How long the hub keeps the records that grow with every event: processed event keys (the idempotent consumer's
 * memory), audit records, and dead letters replayed (each failed replay of one leaves its predecessor). Zero keeps
 * them for ever.
 */
@ConfigurationProperties("connectify.retention")
public record RetentionProperties(Duration processedEvents, Duration audit, Duration deadLetters,
                                  Duration sweepInterval, int batchSize) {

    public RetentionProperties {
        if (batchSize < 1) {
            // the sweep deletes batch after batch until one comes back short: zero rows would never end it
            throw new IllegalArgumentException("connectify.retention.batch-size must be at least 1, not " + batchSize);
        }
    }
}
