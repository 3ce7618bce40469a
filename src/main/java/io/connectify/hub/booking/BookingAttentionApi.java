package io.connectify.hub.booking;

import java.time.Instant;
import java.util.List;

import io.connectify.hub.booking.BookingRepository.Attention;
import io.connectify.hub.booking.BookingRepository.AttentionClear;
import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.resilience.InvalidStateException;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.web.JsonBodies;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * GET /api/v1/admin/bookings/attention and POST /api/v1/admin/bookings/{id}/attention/clear (admin key): the bookings
 * left for a person to settle by hand (BookingSaga.leftForAPerson: a payment neither confirmed nor refunded; a refund
 * that failed, that the retry sweep no longer tries or that a Payrexx dispute stopped; a Payrexx refund the watch
 * cannot settle; a calendar event the re-check cannot follow; a Stripe payment refunded outside the hub; a lost
 * notification the recovery sweep cannot queue again: README "Failures", "Notifications"), and the person's word
 * that one is settled. The mark is the hub's only record of such a case once something later has rewritten the
 * booking's status reason, so only a person clears it, never the saga.
 */
@Component("bookingAttentionApi")
public class BookingAttentionApi {

    private static final Logger log = LoggerFactory.getLogger(BookingAttentionApi.class);
    private static final int LIST_LIMIT = 500;

    private final BookingRepository bookings;
    private final JsonBodies json;

    public BookingAttentionApi(BookingRepository bookings, JsonBodies json) {
        this.bookings = bookings;
        this.json = json;
    }

    public AttentionList list() {
        List<Attention> found = bookings.needingAttention(LIST_LIMIT + 1);
        return found.size() > LIST_LIMIT ? new AttentionList(found.subList(0, LIST_LIMIT), true)
                : new AttentionList(found, false);
    }

    /**
     * The mark cleared (as it was), if it is still the one the person saw ({@code since} and {@code note} of the body,
     * as listed); 404 for an unknown booking, 409 for one not (or no longer) marked, or marked otherwise since (a note
     * added meanwhile: read it, then clear again).
     */
    public Attention clear(@Header("id") String pathId, @Body String body) {
        String id = BookingIds.fromPath(pathId);
        AttentionClearRequest seen = json.read(body, AttentionClearRequest.class);
        Instant since = Rfc3339.parse("since", seen.since()).toInstant();
        AttentionClear outcome = bookings.clearAttention(id, since, seen.note())
                .orElseThrow(() -> new NotFoundException("No booking with id " + id));
        if (outcome instanceof AttentionClear.NotMarked) {
            throw new InvalidStateException("Booking " + id + " needs no attention: nothing to clear");
        }
        if (outcome instanceof AttentionClear.Changed changed) {
            throw new InvalidStateException("Booking " + id + "'s mark changed since it was read (marked since "
                    + changed.now().since() + "): read it again (GET /api/v1/admin/bookings/attention), then clear it");
        }
        Attention cleared = ((AttentionClear.Cleared) outcome).was();
        log.info("Booking {} ({}): settled by hand, its attention cleared (marked since {}: {})", id,
                cleared.status(), cleared.since(), cleared.note());
        return cleared;
    }

    /** {@code truncated}: more bookings are marked than a list holds (oldest mark first). */
    public record AttentionList(List<Attention> bookings, boolean truncated) {
    }
}
