package io.connectify.hub.payment.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The message group a verified Stripe event is queued in (JMSXGroupID): its events are handled one at a time. */
class StripeOrderGroupTest {

    private static final String BOOKING = "7d6f2c3e-0000-4000-8000-0000000000ab";

    /**
     * An event without a Payment Intent (a Checkout Session expired before any payment attempt) goes into its
     * booking's group under the id the saga looks the booking up by, whatever case and blanks the event wrote it
     * with. Before, the id as written: "7D6F…AB", " 7d6f…ab " and "7d6f…ab" of one booking were three groups, whose
     * events the consumers could handle at once.
     */
    @Test
    void eventsNamingOneBookingInAnotherCaseOrPaddedShareItsGroup() {
        assertThat(StripeWebhookVerifier.orderGroup(BOOKING.toUpperCase(), "", "stripe:evt_1")).isEqualTo(BOOKING);
        assertThat(StripeWebhookVerifier.orderGroup("  " + BOOKING + " ", "", "stripe:evt_2")).isEqualTo(BOOKING);
        assertThat(StripeWebhookVerifier.orderGroup(BOOKING, "", "stripe:evt_3")).isEqualTo(BOOKING);
    }

    @Test
    void aPaymentsEventsGoIntoThePaymentsGroupWhateverBookingTheyName() {
        assertThat(StripeWebhookVerifier.orderGroup(BOOKING.toUpperCase(), "pi_1", "stripe:evt_1"))
                .isEqualTo("payment:pi_1");
        assertThat(StripeWebhookVerifier.orderGroup("", "pi_1", "stripe:evt_2")).isEqualTo("payment:pi_1");
    }

    /** A name that is no UUID names no booking of the hub: grouped as written; an event naming nothing, alone. */
    @Test
    void anEventNamingNoBookingIsGroupedAsWrittenOrAlone() {
        assertThat(StripeWebhookVerifier.orderGroup("order-17", "", "stripe:evt_1")).isEqualTo("order-17");
        assertThat(StripeWebhookVerifier.orderGroup("", "", "stripe:evt_2")).isEqualTo("stripe:evt_2");
    }
}
