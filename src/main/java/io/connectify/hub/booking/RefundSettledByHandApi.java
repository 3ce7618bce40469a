package io.connectify.hub.booking;

import java.time.Clock;
import java.util.List;

import io.connectify.hub.booking.BookingRepository.Attention;
import io.connectify.hub.booking.BookingRepository.RefundSettle;
import io.connectify.hub.resilience.InvalidStateException;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.web.JsonBodies;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * POST /api/v1/admin/bookings/{id}/refund/settled (admin key): a person paid back the customer of a booking CANCELLED
 * with its refund pending another way (the provider refused or was down until the retry sweep gave up). Without this
 * the booking stayed "refund pending" for ever: counted by connectify_bookings_refund_pending (alert RefundsPending),
 * and a repeated cancel, the sweep or a replayed payment event would refund it at the provider too, paying the
 * customer back twice. The booking stays CANCELLED (the hub made no refund, so not REFUNDED, which the saga reads as
 * its own refund: a later refund-failed event would reopen it), its status reason saying so with the person's note;
 * the sweep's mark that asked for this is cleared. The hub tells the customer nothing: the person did.
 */
@Component("refundSettledByHandApi")
public class RefundSettledByHandApi {

    private static final Logger log = LoggerFactory.getLogger(RefundSettledByHandApi.class);
    /** The notes a mark loses once the refund is settled by hand: those that asked for it. */
    private static final List<String> SETTLED_NOTES = List.of(BookingSaga.REFUND_RETRIES_ENDED,
            BookingSaga.REFUND_RETRIES_ENDED_BEFORE);

    private final BookingRepository bookings;
    private final JsonBodies json;
    private final Clock clock;

    public RefundSettledByHandApi(BookingRepository bookings, JsonBodies json, @BookingClock Clock clock) {
        this.bookings = bookings;
        this.json = json;
        this.clock = clock;
    }

    /**
     * The booking as recorded, with what became of its mark; 404 for an unknown booking, 409 for one with no refund
     * pending (never, refunded meanwhile, or settled by hand already: a repeat changes nothing).
     */
    public RefundSettled settle(@Header("id") String pathId, @Body String body) {
        String id = BookingIds.fromPath(pathId);
        // one line: it goes into the status reason and the log
        String note = json.read(body, RefundSettledRequest.class).note().replaceAll("\\p{Cntrl}", " ").strip();
        RefundSettle outcome = bookings.refundSettledByHand(id, BookingSaga.REFUND_PENDING,
                        pending -> BookingSaga.settledByHandReason(pending, note), SETTLED_NOTES, clock.instant())
                .orElseThrow(() -> new NotFoundException("No booking with id " + id));
        if (outcome instanceof RefundSettle.NotPending notPending) {
            Booking current = notPending.booking();
            throw new InvalidStateException("Booking " + id + " has no refund pending (" + current.status()
                    + (current.statusReason() == null ? "" : ": " + current.statusReason()) + "): nothing to settle");
        }
        RefundSettle.Settled settled = (RefundSettle.Settled) outcome;
        Attention was = settled.markWas();
        Attention now = settled.markNow();
        MarkOutcome mark = was.since() == null ? MarkOutcome.NONE
                : now.since() == null ? MarkOutcome.CLEARED : MarkOutcome.STAYS;
        // the admin action's record: this line, and the booking's status reason (kept with the booking)
        log.info("Booking {} (payment {}): its refund settled by hand ({}); no refund pending any more, its mark {}",
                id, settled.booking().paymentReference(), note, mark.name().toLowerCase());
        return new RefundSettled(settled.booking(), mark.name().toLowerCase(),
                mark == MarkOutcome.NONE ? null : mark == MarkOutcome.CLEARED ? was : now);
    }

    private enum MarkOutcome { NONE, CLEARED, STAYS }

    /**
     * The answer: the booking as recorded; {@code attention}: {@code cleared} (its mark, as it was, in {@code mark}),
     * {@code stays} (a note other than the sweep's left in it, as it is now: read it, settle it, clear it with
     * POST .../attention/clear), or {@code none} (it had none).
     */
    public record RefundSettled(Booking booking, String attention, Attention mark) {
    }
}
