package io.connectify.hub.booking;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Booking rules: how long a pending booking holds its slot, and how long once its customer has paid by a delayed
 * method (a SEPA debit, say) that has not settled yet; the ASAP booking switch; how often and for how long the refund
 * of a cancellation whose provider call failed is tried again.
 */
@ConfigurationProperties("connectify.booking")
public record BookingProperties(Duration hold, Duration holdSweepInterval, Asap asap, Duration refundRetryInterval,
                                Duration refundRetryFor, Duration processingHold) {

    public record Asap(boolean enabled, Duration preparationTime) {
    }
}
