package io.connectify.hub.booking;

import java.util.Locale;
import java.util.Optional;

/**
 * The state of a dispute (a chargeback) of the payment that paid a booking, as stored on the booking (V19): the saga
 * decides from it, never from the booking's status reason, whether that payment may still be refunded.
 */
public enum DisputeStatus {
    /** The customer's bank holds the amount until the dispute is decided. */
    OPEN,
    /** Decided for the consultancy: the payment stands. */
    WON,
    /** Decided for the customer: their bank has taken the payment back. */
    LOST,
    /** The bank's inquiry ended without a dispute: the payment stands. */
    WARNING_CLOSED;

    /**
     * Whether the dispute settles the payment, so the hub refunds none of it: an open one (a refund as well would pay
     * the customer back twice) or one lost (nothing is left to refund).
     */
    public boolean settlesThePayment() {
        return this == OPEN || this == LOST;
    }

    /** The outcome a provider closed a dispute with (Stripe's won, lost, warning_closed); empty for any other. */
    public static Optional<DisputeStatus> closedAs(String outcome) {
        return switch (outcome == null ? "" : outcome) {
            case "won" -> Optional.of(WON);
            case "lost" -> Optional.of(LOST);
            case "warning_closed" -> Optional.of(WARNING_CLOSED);
            default -> Optional.empty();
        };
    }

    String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    static DisputeStatus ofColumn(String column) {
        return column == null ? null : valueOf(column.toUpperCase(Locale.ROOT));
    }
}
