package io.connectify.hub.notification;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The notification fan-out: throttle rate per period, its durable queue, and whether this instance sends. */
@ConfigurationProperties("connectify.notifications")
public record NotificationProperties(int rate, long periodMillis, String queue, boolean consumerEnabled) {
}
