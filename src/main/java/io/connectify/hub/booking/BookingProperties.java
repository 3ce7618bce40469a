package io.connectify.hub.booking;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Booking rules: how long a pending booking holds its slot, and the ASAP booking switch. */
@ConfigurationProperties("connectify.booking")
public record BookingProperties(Duration hold, Duration holdSweepInterval, Asap asap) {

    public record Asap(boolean enabled, Duration preparationTime) {
    }
}
