package io.connectify.hub.notification;

import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The notification fan-out: throttle rate per period, its durable queue, whether this instance sends, and the
 * recovery sweep of notifications whose message was lost: how often it looks, and how old an unsent one must be.
 */
@ConfigurationProperties("connectify.notifications")
public record NotificationProperties(int rate, long periodMillis, String queue, boolean consumerEnabled,
                                     Duration recoveryInterval, Duration recoverAfter) {

    public NotificationProperties {
        PropertyChecks.atLeast("connectify.notifications.rate", rate, 1, "messages per period: 0 would send none");
        PropertyChecks.atLeast("connectify.notifications.period-millis", periodMillis, 1, "the throttle's period");
        PropertyChecks.positive("connectify.notifications.recovery-interval", recoveryInterval, PropertyChecks.TIMER);
    }
}
