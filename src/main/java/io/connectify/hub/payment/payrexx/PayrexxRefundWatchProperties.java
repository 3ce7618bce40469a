package io.connectify.hub.payment.payrexx;

import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The watch on Payrexx refunds under way (refund_pending) whose later delivery may be lost: how often the singleton
 * route payrexx-refund-watch looks ({@code interval}), and how long a refund waits before it asks Payrexx
 * ({@code age}: its webhook usually comes well before).
 */
@ConfigurationProperties("connectify.payrexx.refund-watch")
public record PayrexxRefundWatchProperties(Duration interval, Duration age) {

    public PayrexxRefundWatchProperties {
        PropertyChecks.positive("connectify.payrexx.refund-watch.interval", interval, PropertyChecks.TIMER);
        PropertyChecks.notNegative("connectify.payrexx.refund-watch.age", age,
                "how long a refund under way waits before Payrexx is asked");
        if (age == null) {
            throw new IllegalArgumentException("connectify.payrexx.refund-watch.age must be set");
        }
    }
}
