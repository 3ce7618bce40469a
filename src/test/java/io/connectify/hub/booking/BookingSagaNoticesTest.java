package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;

import org.junit.jupiter.api.Test;

/**
 * Which notice a refunded or cancelled booking's customer gets, read from the booking's state (BookingSaga's
 * notice-kind choice). The kind is logged with each notification, so a re-queue renders the same one.
 */
class BookingSagaNoticesTest {

    @Test
    void aRefundOfABookingNeverConfirmedIsThePaymentRefundedNoticeAndAConfirmedOnesTheCancellationsRefund() {
        for (String reason : new String[] {"cancelled before its confirmation: refunded", "paid after its start: refunded",
                "slot taken before the payment arrived", "paid after it was cancelled: refunded",
                "paid, then refunded at payrexx (refunded) before the hub confirmed it"}) {
            assertThat(BookingSaga.refundNotice(booking(BookingStatus.REFUNDED, reason))).as(reason)
                    .isEqualTo("payment-refunded");
        }
        assertThat(BookingSaga.refundNotice(booking(BookingStatus.REFUNDED, "cancelled and refunded")))
                .isEqualTo("refund");
    }

    /**
     * A confirmed booking cancelled in time without a payment reference ("cancelled"): no path the hub has makes one
     * (a payment event without a reference is recorded by the booking's own checkout session or gateway id), but its
     * notice would not blame the cut-off.
     */
    @Test
    void aCancellationWithoutARefundIsToldWhyThereIsNone() {
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED,
                "cancelled after the refund cut-off: not refunded"), null)).isEqualTo("cancellation");
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED, "cancelled"), null))
                .isEqualTo("cancellation-unrefunded");
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED, BookingSaga.CANCELLED_DISPUTED), null))
                .isEqualTo("cancellation-disputed");
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED,
                BookingSaga.CANCELLED_DISPUTE_LOST), null)).isEqualTo("cancellation-disputed");
        // cancelled in time while a refund the hub did not make was pending at the provider: not refunded by the hub,
        // that refund pays the customer back (before: "cancellation-unrefunded", "please contact us")
        String pending = "a refund the hub did not make: a refund is pending at payrexx (amount not given)";
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED, "cancelled while a refund the hub "
                + "did not make was pending: not refunded by the hub; " + pending), null))
                .isEqualTo("cancellation-refund-outside");
        // cancelled while disputed, the refund under way kept after the dispute's reason
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED,
                BookingSaga.CANCELLED_DISPUTED + "; " + pending), DisputeStatus.WON)).isEqualTo("cancellation-disputed");
        // after the cut-off too: the hub refunds nothing, but that refund pays the customer back (before: "cancellation",
        // "the payment is not refunded"); so too one made in full, or a part (told, nothing said of the rest)
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED,
                "cancelled after the refund cut-off: not refunded; " + pending), null))
                .isEqualTo("cancellation-refund-outside");
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED, "cancelled after the refund cut-off: "
                + "not refunded; a refund the hub did not make: payrexx shows 9000 of the payment's 9000 refunded outside "
                + "the hub"), null)).isEqualTo("cancellation-refunded-outside");
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED, "cancelled after the refund cut-off: "
                + "not refunded; a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside "
                + "the hub"), null)).isEqualTo("cancellation-late-part-refund");
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED, "cancelled after the refund cut-off: "
                + "not refunded; part of the payment was refunded at payrexx (amount not given)"), null))
                .isEqualTo("cancellation-late-part-refund");
        // cancelled in time after a refund outside the hub was made: in full, paid back already; in part (Payrexx names
        // no amount), the rest refunded by a person (before: the hub asked Payrexx to refund the whole price again)
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED,
                BookingSaga.CANCELLED_REFUNDED_OUTSIDE + "; a refund the hub did not make: payrexx shows 9000 of the "
                        + "payment's 9000 refunded outside the hub"), null)).isEqualTo("cancellation-refunded-outside");
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED,
                BookingSaga.CANCELLED_PART_REFUNDED_OUTSIDE + "; part of the payment was refunded at payrexx (amount "
                        + "not given)"), null)).isEqualTo("cancellation-part-refunded");
    }

    /**
     * A booking whose refund a dispute stopped is told the dispute decides, however the dispute ended for it (lost:
     * nothing left to refund), and so is one cancelled while the dispute stored on it is open or lost, whatever its
     * reason says; one whose dispute was won is told as any other. Before, a stopped refund's lost reason was told
     * "cancelled after the refund cut-off".
     */
    @Test
    void aCancellationADisputeDecidesIsToldSoFromItsReasonOrTheStoredDispute() {
        for (String reason : new String[] {BookingSaga.REFUND_STOPPED_DISPUTE_LOST,
                "cancelled, its refund stopped: the customer disputes the payment, the dispute decides"}) {
            assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED, reason), null)).as(reason)
                    .isEqualTo("cancellation-disputed");
        }
        for (DisputeStatus dispute : new DisputeStatus[] {DisputeStatus.OPEN, DisputeStatus.LOST}) {
            assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED, BookingSaga.CANCELLED_LATE),
                    dispute)).as(dispute.name()).isEqualTo("cancellation-disputed");
        }
        assertThat(BookingSaga.cancellationNotice(booking(BookingStatus.CANCELLED, BookingSaga.CANCELLED_LATE),
                DisputeStatus.WON)).isEqualTo("cancellation");
    }

    private static Booking booking(BookingStatus status, String reason) {
        return new Booking("7d6f2c3e-0000-4000-8000-000000000001", status,
                OffsetDateTime.parse("2026-12-01T09:00:00+01:00"), OffsetDateTime.parse("2026-12-01T10:00:00+01:00"),
                60, 9000, "CHF", new Customer("Ann", "ann@example.com", null, "en", "Europe/Zurich"), "x", null,
                "stripe", null, null, null, Instant.parse("2026-11-30T07:00:00Z"), "pi_1", reason, 9000L);
    }
}
