package io.connectify.hub.ops;

import java.time.Clock;
import java.util.Map;
import java.util.Set;

import io.connectify.hub.booking.BookingIds;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.ops.DeadLetterStore.DeadLetter;
import io.connectify.hub.resilience.InvalidStateException;
import io.connectify.hub.webhook.WebhookAudit;
import io.connectify.hub.webhook.WebhookHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * What a dead letter deleted by a person leaves behind: a WARN naming it (its route, event key and booking; never its
 * body), for a webhook's event an {@code integration_audit} row {@value WebhookAudit#DISCARDED} after its
 * {@value WebhookAudit#DEAD_LETTERED} one, and, for a payment event still waiting ({@code STORED}), its booking marked
 * for a person: the hub never acts on that event now, so a payment it carried is neither confirmed nor refunded
 * unless someone does it. Before, a delete left no trace: a paid booking whose payment event's letter was deleted
 * stayed {@code PENDING_PAYMENT}, paid, unmarked, and the audit still said {@code dead-lettered}.
 */
@Component
public class DeadLetterDiscards {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterDiscards.class);

    private final WebhookAudit audit;
    private final BookingRepository bookings;
    private final Clock clock;
    /** The queues of payment events (Stripe's, Payrexx's): a letter of theirs is a payment the hub may act on. */
    private final Set<String> paymentQueues;

    public DeadLetterDiscards(WebhookAudit audit, BookingRepository bookings, Clock clock,
                              @Value("${connectify.queues.stripe-events}") String stripeEvents,
                              @Value("${connectify.queues.payrexx-events}") String payrexxEvents) {
        this.audit = audit;
        this.bookings = bookings;
        this.clock = clock;
        this.paymentQueues = Set.of(stripeEvents, payrexxEvents);
    }

    /**
     * In the delete's transaction, under the letter's row lock: a payment event's letter still waiting marks its
     * booking (mark first, then the delete: both commit or neither). One that names no booking and whose payment no
     * booking has recorded is refused, 409, unless {@code force}: the letter cannot tell whether it pays a booking of
     * the hub (a Payrexx {@code confirmed} whose transaction was never fetched; a Stripe charge event, whose booking
     * is asked of Stripe by its Payment Intent when it is handled); before, it was deleted marking nothing, and the
     * paid booking later expired. One naming a booking the hub does not have (a payment made elsewhere on the same
     * account: Stripe's metadata, the fetched Payrexx transaction's reference) proves it pays none of the hub's, as
     * handling it would change none (the named booking is never looked up at the provider): deleted without
     * {@code force}, nothing marked; before, a reference that is no booking id (not a UUID) was refused, one that is
     * was deleted.
     */
    public Discard settle(DeadLetter letter, boolean force) {
        if (!DeadLetterStore.Status.STORED.name().equals(letter.status())) {
            return new Discard(letter, null, false, null);
        }
        Map<String, String> headers = letter.headers();
        String bookingId = bookingOf(letter);
        String named = headers.get(WebhookHeaders.BOOKING_ID);
        boolean namesOne = named != null && !named.isBlank();
        // processed, only its key was lost (it is recorded by the delete): nothing is owed
        boolean owed = paymentQueues.contains(letter.sourceQueue())
                && !headers.containsKey(WebhookHeaders.UNRECORDED_KEY);
        if (owed && bookingId == null && !namesOne && !force) {
            throw new InvalidStateException("Dead letter " + letter.id() + ": its payment event names no booking and "
                    + "no booking has its payment, so the hub cannot tell whether deleting it would leave a payment of "
                    + "its own unhandled unseen: replay it, or delete it with ?force=true after checking the payment "
                    + "at " + letter.provider());
        }
        boolean marked = owed && bookingId != null && bookings.needsAttention(bookingId, note(letter), clock.instant());
        // owed, naming one, and nothing marked: the booking named is none of the hub's
        String notTheHubs = owed && namesOne && !marked ? printable(named) : null;
        return new Discard(letter, bookingId, marked, notTheHubs);
    }

    /** After the delete committed; {@code correlationId} the admin request's. */
    public void discarded(Discard discard, String correlationId) {
        DeadLetter letter = discard.letter();
        if (!DeadLetterStore.Status.STORED.name().equals(letter.status())) {
            // its message was sent back already: what became of it is told by its replay, not by this clean-up
            log.info("Dead letter {} ({}, replayed before) deleted by hand", letter.id(), letter.routeId());
            return;
        }
        Map<String, String> headers = letter.headers();
        String eventKey = headers.get(WebhookHeaders.EVENT_KEY);
        String bookingId = discard.bookingId();
        if (eventKey != null) {
            audit.discarded(letter.provider(), headers.get(WebhookHeaders.EVENT_TYPE), receivedAt(letter), bookingId,
                    correlationId);
        }
        log.warn("Dead letter {} of route {} discarded by hand, its message never processed: event {}, booking {}{}",
                letter.id(), letter.routeId(), eventKey == null ? "none" : eventKey,
                discard.notTheHubs() != null ? discard.notTheHubs() + " (none of the hub's: nothing to mark)"
                        : bookingId == null ? "unknown" : bookingId, discard.marked() ? ", marked for a person" : "");
    }

    /**
     * A deleted letter as it was, the booking it is about (null: none known), whether that was marked, and, for a
     * payment event naming a booking the hub does not have, that name (null otherwise).
     */
    public record Discard(DeadLetter letter, String bookingId, boolean marked, String notTheHubs) {
    }

    /** A name from a provider's event as a log line may hold it: cut, its control characters replaced. */
    private static String printable(String name) {
        String cut = name.strip();
        cut = cut.length() > 64 ? cut.substring(0, 64) + "..." : cut;
        return '\'' + cut.replaceAll("\\p{Cntrl}", "?") + '\'';
    }

    /** The note of a booking whose payment event was discarded: the hub will not act on it, a person must. */
    static String note(DeadLetter letter) {
        String type = letter.headers().get(WebhookHeaders.EVENT_TYPE);
        return letter.provider() + " payment event " + (type == null ? "" : type + " ") + "discarded by hand (dead "
                + "letter " + letter.id() + "): the hub will not act on it; check the payment at " + letter.provider()
                + ", then confirm or refund the booking by hand";
    }

    /**
     * The booking the letter names (Stripe's event and, since it is named on the letter, Payrexx's), else the one its
     * payment was recorded on (a Payrexx letter stored before: its transaction id only). Null: none known.
     */
    private String bookingOf(DeadLetter letter) {
        Map<String, String> headers = letter.headers();
        String named = BookingIds.ofEvent(headers.get(WebhookHeaders.BOOKING_ID));
        if (named != null || letter.provider() == null) {
            return named;
        }
        String payment = headers.getOrDefault(WebhookHeaders.PAYMENT_REFERENCE,
                headers.get(WebhookHeaders.TRANSACTION_ID));
        return payment == null ? null : bookings.idByPayment(letter.provider(), payment).orElse(null);
    }

    /** When its webhook was received (the ingress's header), else when it failed. */
    private static long receivedAt(DeadLetter letter) {
        try {
            return Long.parseLong(letter.headers().get(WebhookHeaders.RECEIVED_AT));
        } catch (NumberFormatException e) {
            return letter.failedAt().toEpochMilli();
        }
    }
}
