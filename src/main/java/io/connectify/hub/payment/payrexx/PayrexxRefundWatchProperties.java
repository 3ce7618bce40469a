package io.connectify.hub.payment.payrexx;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The watch on Payrexx refunds under way (refund_pending) whose later delivery may be lost: how often the singleton
 * route payrexx-refund-watch looks ({@code interval}), and how long a refund waits before it asks Payrexx
 * ({@code age}: its webhook usually comes well before), and how many bookings one run asks about ({@code batch},
 * those looked at longest ago first: the rest wait for the next run).
 */
@ConfigurationProperties("connectify.payrexx.refund-watch")
public record PayrexxRefundWatchProperties(Duration interval, Duration age, Integer batch) {

    /** Bookings one run asks Payrexx about when {@code batch} is not set. */
    static final int DEFAULT_BATCH = 50;

    public PayrexxRefundWatchProperties {
        if (batch == null) {
            batch = DEFAULT_BATCH;
        }
        if (batch < 1) {
            throw ConfigurationError.invalid("connectify.payrexx.refund-watch.batch must be at least 1 (bookings "
                    + "one run of payrexx-refund-watch asks Payrexx about), not " + batch);
        }
        PropertyChecks.positive("connectify.payrexx.refund-watch.interval", interval, PropertyChecks.TIMER);
        PropertyChecks.notNegative("connectify.payrexx.refund-watch.age", age,
                "how long a refund under way waits before Payrexx is asked");
        if (age == null) {
            throw ConfigurationError.invalid("connectify.payrexx.refund-watch.age must be set");
        }
    }
}
