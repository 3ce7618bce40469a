package io.connectify.hub.booking;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Booking rules: how long a pending booking holds its slot, and how long once its customer has paid by a delayed
 * method (a SEPA debit, say) that has not settled yet; the ASAP booking switch; how often and for how long the refund
 * of a cancellation whose provider call failed is tried again, and how many a sweep tries. (How long a change of a
 * booking's calendar event may be under way is derived from Google's timeouts and retries:
 * {@link EventChangeTimeout}; {@code moveTimeout}, the setting it replaced, stops the start when given.) How far ahead a
 * booking, or a reschedule, may start: {@code maxAdvance}.
 */
@ConfigurationProperties("connectify.booking")
public record BookingProperties(Duration hold, Duration holdSweepInterval, Asap asap, Duration refundRetryInterval,
                                Duration refundRetryFor, int refundRetryBatch, Duration processingHold,
                                Duration moveTimeout, Duration maxAdvance) {

    public BookingProperties {
        if (moveTimeout != null) {
            // a setting that was taken until it was derived: ignored in silence, the operator's value would seem to
            // hold while another did
            throw ConfigurationError.invalid("connectify.booking.move-timeout is no longer a setting: how long a "
                    + "change of a booking's calendar event may be under way is derived from connectify.gcal "
                    + "connect-timeout and read-timeout, the google-calendar retry and rate-limiter policy and "
                    + "connectify.database.lock-timeout (README, configuration); remove it");
        }
        // both are the periods of singleton routes' timers (booking-api.camel.yaml): at 0 Camel fired once, so
        // expired holds were released once after the start and never again
        PropertyChecks.positive("connectify.booking.hold-sweep-interval", holdSweepInterval, PropertyChecks.TIMER);
        PropertyChecks.positive("connectify.booking.refund-retry-interval", refundRetryInterval, PropertyChecks.TIMER);
        PropertyChecks.atLeast("connectify.booking.refund-retry-batch", refundRetryBatch, 1,
                "how many pending refunds a sweep tries");
        PropertyChecks.positive("connectify.booking.hold", hold,
                "a hold of 0 expires every booking before its customer can pay");
        PropertyChecks.positive("connectify.booking.processing-hold", processingHold,
                "how long a delayed payment that has not settled keeps its slot");
        // a start 9999-12-31 was booked, its payment page made: how far ahead one may book or move a booking to
        PropertyChecks.positive("connectify.booking.max-advance", maxAdvance,
                "how far ahead a booking or a reschedule may start");
        if (asap != null && asap.enabled() && asap.preparationTime().compareTo(hold) < 0) {
            // the customer of an ASAP booking pays within the hold: a start sooner than the hold's end lets a payment
            // arrive after the start, which is refunded, never confirmed
            throw ConfigurationError.invalid("connectify.booking.asap.preparation-time must be at least "
                    + "connectify.booking.hold (" + hold + "; a payment within the hold could arrive after the start "
                    + "and be refunded), not " + asap.preparationTime());
        }
    }

    public record Asap(boolean enabled, Duration preparationTime) {

        public Asap {
            PropertyChecks.notNegative("connectify.booking.asap.preparation-time", preparationTime,
                    "the earliest ASAP start from now");
            if (preparationTime == null) {
                throw ConfigurationError.invalid("connectify.booking.asap.preparation-time must be set");
            }
        }
    }
}
