package io.connectify.hub.payment.payrexx;

import java.time.Clock;
import java.time.Instant;
import java.util.function.BooleanSupplier;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingRepository.AwaitedRefund;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.ops.cluster.SingletonLease;
import io.connectify.hub.payment.payrexx.PayrexxCommands.Transaction;
import io.connectify.hub.resilience.Causes;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Watches the Payrexx refunds under way: a booking REFUNDED while Payrexx showed its payment refund_pending waits
 * for the delivery of a later status (refunded) to tell its customer; should that delivery be lost, nothing else
 * would. A booking that has waited longer than connectify.payrexx.refund-watch.age has its transaction fetched from
 * Payrexx (the look-up deliveries use), at most connectify.payrexx.refund-watch.batch a run, those looked at longest
 * ago first (V23 refund_checked_at: every waiting booking is looked at in turn, however many wait). One Payrexx now
 * shows refunded (the status that ends the wait) is queued as the delivery of that status would be, so it is handled
 * exactly as that delivery: fetched again, deduplicated on its status, acted on in its transaction group, retried and
 * dead-lettered the same way. One Payrexx shows settled otherwise (disputed, confirmed again, partially-refunded: no
 * refund made in full) is not the hub's to decide: the booking is marked for a person (the attention mark, V20) and
 * logged; so is one whose payment reference is no transaction id (the watch cannot look it up, and skips it).
 * Each status is acted on once, when it differs from the one the last look saw (V23 refund_checked_status, recorded
 * once the delivery is queued or the person marked, so a failed send or mark is tried again at the next look):
 * a delivery queued is not queued again, a person not marked again. One still refund_pending is left for the next
 * run (counted in connectify_refunds_awaiting_provider; alert RefundAwaitingProvider).
 */
@Component("payrexxRefundWatch")
public class PayrexxRefundWatch {

    private static final Logger log = LoggerFactory.getLogger(PayrexxRefundWatch.class);
    private static final String UNDER_WAY = "refund_pending";
    /** The status that ends the wait: the refund is made. */
    private static final String REFUNDED = "refunded";
    /** Seen on a booking whose payment reference is no Payrexx transaction id (warned of once). */
    private static final String NO_TRANSACTION = "no-transaction-id";
    /** The note of a booking the watch skips: its payment reference names no Payrexx transaction. */
    static final String NO_TRANSACTION_NOTE = "its refund under way at payrexx cannot be watched (its payment "
            + "reference is no transaction id), and the customer has not been told: check the refund at payrexx by hand";

    private final BookingRepository bookings;
    private final ProducerTemplate template;
    private final PayrexxRefundWatchProperties properties;
    private final Clock clock;
    private final String queue;

    public PayrexxRefundWatch(BookingRepository bookings, ProducerTemplate template,
                              PayrexxRefundWatchProperties properties, Clock clock,
                              @Value("${connectify.queues.payrexx-events}") String queue) {
        this.bookings = bookings;
        this.template = template;
        this.properties = properties;
        this.clock = clock;
        this.queue = queue;
    }

    /** The status reason of the bookings watched. */
    public static String reason() {
        return BookingSaga.refundUnderWayReason(PayrexxConfig.PROVIDER);
    }

    /**
     * One run: answers how many bookings' transactions were queued as a delivery of their new status. A run of the
     * singleton route whose instance no longer leads looks at no further booking (SingletonLease).
     */
    public int sweep(Exchange exchange) {
        BooleanSupplier leads = SingletonLease.forRun(exchange);
        int queued = 0;
        Instant now = clock.instant();
        for (AwaitedRefund waiting : bookings.awaitingProviderRefund(PayrexxConfig.PROVIDER, reason(),
                now.minus(properties.age()), properties.batch())) {
            if (!leads.getAsBoolean()) {
                break;
            }
            Booking booking = waiting.booking();
            // one run for many bookings: each one's lines name it
            try (var named = BookingMdc.naming(booking.id())) {
                // to the end of the line whatever comes of this look, so one Payrexx fails on holds up no other
                bookings.refundLookedAt(booking.id(), now, null);
                try {
                    if (queueIfRefunded(waiting, now, exchange)) {
                        queued++;
                    }
                } catch (RuntimeException e) {
                    log.warn("Booking {}: its Payrexx refund (transaction {}) could not be looked at now ({}); a later "
                            + "run asks again", booking.id(), booking.paymentReference(), e.getClass().getSimpleName());
                }
            }
        }
        return queued;
    }

    private boolean queueIfRefunded(AwaitedRefund waiting, Instant now, Exchange exchange) {
        Booking booking = waiting.booking();
        Long transactionId = transactionId(booking.paymentReference());
        if (transactionId == null) {
            if (!NO_TRANSACTION.equals(waiting.lastSeen())) {
                // marked first: should the record of this look fail, the next look marks it again (the same note,
                // not added twice), where the other order would leave it seen but never marked
                bookings.needsAttention(booking.id(), NO_TRANSACTION_NOTE, now);
                bookings.refundLookedAt(booking.id(), now, NO_TRANSACTION);
                log.warn("Booking {}: its payment reference '{}' is no Payrexx transaction id, so its refund under "
                        + "way cannot be looked up: skipped by the watch; check the refund by hand", booking.id(),
                        booking.paymentReference());
            }
            return false;
        }
        Transaction t;
        try {
            t = template.requestBodyAndHeader(PayrexxRoutes.GET_TRANSACTION, transactionId,
                    CorrelationId.CAMEL_HEADER, CorrelationId.of(exchange), Transaction.class);
        } catch (CamelExecutionException e) {
            throw Causes.hubErrorOr(e);
        }
        String status = t.status();
        if (status == null || !status.matches("[a-z_\\-]{1,40}") || UNDER_WAY.equals(status)) {
            log.info("Booking {}: its refund at Payrexx (transaction {}) is still under way", booking.id(),
                    transactionId);
            if (UNDER_WAY.equals(status)) {
                bookings.refundLookedAt(booking.id(), now, status);
            }
            return false;
        }
        if (status.equals(waiting.lastSeen())) {
            // acted on at an earlier look (queued, or marked for a person): not again
            log.debug("Booking {}: Payrexx still shows transaction {} {}", booking.id(), transactionId, status);
            return false;
        }
        // each status recorded as seen only once it is acted on: should the mark or the send fail (the booking's row
        // held, the broker unreachable, the instance stopped in between), the next look acts on it again, where
        // recording it first left it seen and never acted on. Marked twice is the same note once; queued twice, the
        // second delivery is a repeat of the first (its key, payrexx:<transaction>:refunded)
        if (!REFUNDED.equals(status)) {
            String note = "its refund under way at payrexx was not made: payrexx shows transaction " + transactionId
                    + " " + status + ", and the customer has not been told: settle it by hand";
            bookings.needsAttention(booking.id(), note, now);
            bookings.refundLookedAt(booking.id(), now, status);
            log.warn("Booking {}: {}", booking.id(), note);
            return false;
        }
        log.warn("Booking {}: Payrexx shows transaction {} {}, and no delivery of it came: handled as that delivery",
                booking.id(), transactionId, status);
        // as PayrexxWebhookReader queues a delivery (the dispatch fetches the transaction again and acts on that)
        String correlationId = CorrelationId.of(exchange);
        Exchange sent = template.send("jms:queue:" + queue, delivery -> {
            PayrexxWebhookReader.asDelivery(delivery.getMessage(), transactionId, status);
            delivery.getMessage().setHeader(CorrelationId.CAMEL_HEADER, correlationId);
        });
        if (sent.getException() != null) { // send(...) reports a failure on the exchange, it does not throw
            throw CamelExecutionException.wrapCamelExecutionException(sent, sent.getException());
        }
        bookings.refundLookedAt(booking.id(), now, status);
        return true;
    }

    /** A Payrexx transaction's id (a positive number), else null. */
    private static Long transactionId(String reference) {
        if (reference == null || !reference.matches("[0-9]{1,18}")) {
            return null;
        }
        return Long.parseLong(reference);
    }
}
