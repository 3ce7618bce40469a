package io.connectify.hub.booking;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Booking rules: how long a pending booking holds its slot, the ASAP booking switch, and how often and for how long
 * the refund of a cancellation whose provider call failed is tried again.
 */
@ConfigurationProperties("connectify.booking")
public record BookingProperties(Duration hold, Duration holdSweepInterval, Asap asap, Duration refundRetryInterval,
                                Duration refundRetryFor) {

    public record Asap(boolean enabled, Duration preparationTime) {
    }
}
