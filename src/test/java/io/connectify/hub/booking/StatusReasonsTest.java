package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A booking's status reason with several reasons kept (BookingSaga.keeping) and a repeat told (BookingSaga.says). */
class StatusReasonsTest {

    private static final String DISPUTE =
            "the customer disputes the payment (fraudulent): answer the dispute at payrexx before its deadline";

    @Test
    void aReasonCutAtTheColumnsLengthStillSaysWhatItWasGiven() {
        String flag = CalendarEventRecheck.FLAG + "moved in Google Calendar to 2026-12-01T09:00+01:00, a time already "
                + "past: move it back or reschedule through the hub";
        String kept = BookingSaga.keeping(flag + "; part of the payment was refunded at payrexx", DISPUTE);

        assertThat(kept).hasSize(200).startsWith(flag + "; the customer disputes").doesNotContain(DISPUTE);
        assertThat(BookingSaga.says(kept, DISPUTE)).as("a repeat of the dispute").isTrue();
    }

    /**
     * Cancelled in time while its dispute is open: its refund stopped, for a dispute then won to make
     * (refundAfterDispute); after the cut-off, nothing to refund either way; once lost, nothing left to refund.
     */
    @Test
    void aConfirmedBookingIsCancelledUnrefundedWhileItsDisputeIsOpenOrOnceItIsLost() {
        assertThat(BookingSaga.cancelledDisputed(DisputeStatus.OPEN, true))
                .isEqualTo("cancelled, its refund stopped: the customer disputes the payment, the dispute decides");
        assertThat(BookingSaga.cancelledDisputed(DisputeStatus.OPEN, false)).isEqualTo(BookingSaga.CANCELLED_DISPUTED);
        for (boolean inTime : new boolean[] {true, false}) {
            assertThat(BookingSaga.cancelledDisputed(DisputeStatus.LOST, inTime))
                    .isEqualTo(BookingSaga.CANCELLED_DISPUTE_LOST);
            assertThat(BookingSaga.cancelledDisputed(DisputeStatus.WON, inTime)).isNull();
            assertThat(BookingSaga.cancelledDisputed(DisputeStatus.WARNING_CLOSED, inTime)).isNull();
            assertThat(BookingSaga.cancelledDisputed(null, inTime)).isNull();
        }
        assertThat(DisputeStatus.closedAs("lost")).contains(DisputeStatus.LOST);
        assertThat(DisputeStatus.closedAs("warning_closed")).contains(DisputeStatus.WARNING_CLOSED);
        assertThat(DisputeStatus.closedAs("under_review")).as("not an outcome").isEmpty();
    }

    /** A part appended past the column's 200 characters cuts the older reason, never itself. */
    @Test
    void aPartAppendedToALongReasonIsKeptWholeAndTheOlderReasonCut() {
        String part = BookingSaga.REFUNDED_OUTSIDE + ": stripe shows 3000 of the payment's 9000 refunded outside the hub";
        String old = "x".repeat(150);

        String appended = BookingSaga.appended(old, part);

        assertThat(appended).hasSize(200).endsWith("; " + part).startsWith("x".repeat(200 - 2 - part.length()));
        assertThat(BookingSaga.appended(null, part)).isEqualTo(part);
        assertThat(BookingSaga.appended("short", part)).isEqualTo("short; " + part);
    }

    @Test
    void aReasonSaysOnlyWhatBeginsOneOfItsParts() {
        assertThat(BookingSaga.says(null, DISPUTE)).isFalse();
        assertThat(BookingSaga.says("part of the payment was refunded; " + DISPUTE, DISPUTE)).isTrue();
        assertThat(BookingSaga.says("part of the payment was refunded", DISPUTE)).isFalse();
        assertThat(BookingSaga.says("the customer disputes the payment (duplicate): answer the dispute at payrexx "
                + "before its deadline", DISPUTE)).as("another dispute's reason").isFalse();
        assertThat(BookingSaga.says("note: " + DISPUTE, DISPUTE)).as("not where keeping puts it").isFalse();
    }

    @Test
    void aFewCharactersLeftOfACutReasonSayNothing() {
        String filler = "x".repeat(200 - "; the cu".length());
        String cutShort = filler + "; the cu";
        String cutLong = filler.substring(0, 150) + "; " + DISPUTE.substring(0, 48);

        assertThat(cutShort).hasSize(200);
        assertThat(BookingSaga.says(cutShort, DISPUTE)).as("6 characters left").isFalse();
        assertThat(cutLong).hasSize(200);
        assertThat(BookingSaga.says(cutLong, DISPUTE)).as("48 characters left").isTrue();
    }
}
