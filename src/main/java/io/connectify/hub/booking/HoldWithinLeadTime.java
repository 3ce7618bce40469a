package io.connectify.hub.booking;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import org.springframework.stereotype.Component;

/**
 * Stops the start when {@code connectify.availability.min-lead-time} is shorter than {@code connectify.booking.hold}:
 * a slot may be booked min-lead-time ahead and its customer pays within the hold, so a shorter lead time let a payment
 * made in time arrive after the start, where it is refunded (lead time 5m, hold 15m: a slot 6 minutes ahead, paid 8
 * minutes later). As ASAP's preparation time is checked against the hold. Refused rather than the hold cut at the
 * start: a payment page stays open for its own time (a Stripe Checkout Session at least 30 minutes), so a shorter hold
 * would not keep the payment from coming after the start. Two property classes, so checked here, where both are
 * bound (a bean: with Spring AOT's bean definitions too), not as either is bound.
 */
@Component
public class HoldWithinLeadTime {

    HoldWithinLeadTime(AvailabilityProperties availability, BookingProperties booking) {
        Duration lead = availability.minLeadTime();
        Duration hold = booking.hold();
        if (lead != null && hold != null && lead.compareTo(hold) < 0) {
            throw ConfigurationError.mismatch("connectify.availability.min-lead-time (" + lead + ") must be at "
                    + "least connectify.booking.hold (" + hold + "): a slot booked at the lead time could be paid "
                    + "within the hold after its start, and such a payment is refunded, never confirmed",
                    "connectify.availability.min-lead-time", "connectify.booking.hold");
        }
    }
}
