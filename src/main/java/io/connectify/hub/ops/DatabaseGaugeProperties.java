package io.connectify.hub.ops;

import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The database's gauges ({@link DatabaseGauges}): {@code refreshInterval}, how often each instance counts them again
 * (a scrape shows the last counts); {@code queryTimeout}, how long one refresh's queries may take in all (given to
 * the database in whole seconds, at least 1).
 */
@ConfigurationProperties("connectify.metrics.database-gauges")
public record DatabaseGaugeProperties(Duration refreshInterval, Duration queryTimeout) {

    public DatabaseGaugeProperties {
        PropertyChecks.positive("connectify.metrics.database-gauges.refresh-interval", refreshInterval,
                "how often the gauges are counted again");
        PropertyChecks.positive("connectify.metrics.database-gauges.query-timeout", queryTimeout,
                "0 would let a refresh wait for the database for ever");
    }

    /** The query timeout as a transaction's timeout: whole seconds, rounded up. */
    int queryTimeoutSeconds() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (queryTimeout.toMillis() + 999) / 1000));
    }
}
