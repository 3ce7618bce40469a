package io.connectify.hub.booking;

import java.util.List;

import io.connectify.hub.booking.BookingRepository.Attention;
import io.connectify.hub.resilience.InvalidStateException;
import io.connectify.hub.resilience.NotFoundException;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * GET /api/v1/admin/bookings/attention and POST /api/v1/admin/bookings/{id}/attention/clear (admin key): the bookings
 * left for a person to settle by hand (BookingSaga.leftForAPerson: a payment neither confirmed nor refunded), and the
 * person's word that one is settled. The mark is the hub's only record of such a payment once a later payment has
 * rewritten the booking's status reason, so only a person clears it, never the saga.
 */
@Component("bookingAttentionApi")
public class BookingAttentionApi {

    private static final Logger log = LoggerFactory.getLogger(BookingAttentionApi.class);
    private static final int LIST_LIMIT = 500;

    private final BookingRepository bookings;

    public BookingAttentionApi(BookingRepository bookings) {
        this.bookings = bookings;
    }

    public AttentionList list() {
        List<Attention> found = bookings.needingAttention(LIST_LIMIT + 1);
        return found.size() > LIST_LIMIT ? new AttentionList(found.subList(0, LIST_LIMIT), true)
                : new AttentionList(found, false);
    }

    /** The mark cleared (as it was); 404 for an unknown booking, 409 for one not (or no longer) marked. */
    public Attention clear(@Header("id") String id) {
        if (bookings.attention(id).isEmpty()) {
            throw new NotFoundException("No booking with id " + id);
        }
        Attention cleared = bookings.clearAttention(id).orElseThrow(() -> new InvalidStateException(
                "Booking " + id + " needs no attention: nothing to clear"));
        log.info("Booking {} ({}): settled by hand, its attention cleared (marked since {}: {})", id,
                cleared.status(), cleared.since(), cleared.note());
        return cleared;
    }

    /** {@code truncated}: more bookings are marked than a list holds (oldest mark first). */
    public record AttentionList(List<Attention> bookings, boolean truncated) {
    }
}
