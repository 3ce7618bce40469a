package io.connectify.hub.payment.payrexx;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.payment.payrexx.PayrexxCommands.Transaction;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.webhook.WebhookHeaders;
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
 * Payrexx (the look-up deliveries use); one Payrexx now shows in another status is queued as the delivery of that
 * status would be, so it is handled exactly as that delivery: fetched again, deduplicated on its status, acted on
 * in its transaction group, retried and dead-lettered the same way. One still refund_pending is left for the next run
 * (counted in connectify_refunds_awaiting_provider; alert RefundAwaitingProvider).
 */
@Component("payrexxRefundWatch")
public class PayrexxRefundWatch {

    private static final Logger log = LoggerFactory.getLogger(PayrexxRefundWatch.class);
    /** Bookings looked at per run, longest waiting first; the rest wait for the next run. */
    static final int BATCH = 50;
    private static final String UNDER_WAY = "refund_pending";

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

    /** One run: answers how many bookings' transactions were queued as a delivery of their new status. */
    public int sweep(Exchange exchange) {
        int queued = 0;
        for (Booking booking : bookings.awaitingProviderRefund(PayrexxConfig.PROVIDER, reason(),
                clock.instant().minus(properties.age()), BATCH)) {
            try {
                if (queueIfMoved(booking, exchange)) {
                    queued++;
                }
            } catch (RuntimeException e) {
                log.warn("Booking {}: its Payrexx refund (transaction {}) could not be looked at now ({}); the next "
                        + "run asks again", booking.id(), booking.paymentReference(), e.getClass().getSimpleName());
            }
        }
        return queued;
    }

    private boolean queueIfMoved(Booking booking, Exchange exchange) {
        long transactionId = Long.parseLong(booking.paymentReference());
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
            return false;
        }
        log.warn("Booking {}: Payrexx shows transaction {} {}, and no delivery of it came: handled as that delivery",
                booking.id(), transactionId, status);
        // as PayrexxWebhookReader queues a delivery (the dispatch fetches the transaction again and acts on that)
        Map<String, Object> headers = new HashMap<>();
        headers.put(WebhookHeaders.PROVIDER, PayrexxConfig.PROVIDER);
        headers.put(WebhookHeaders.EVENT_KEY, "payrexx:" + transactionId + ":" + status);
        headers.put(WebhookHeaders.TRANSACTION_ID, transactionId);
        headers.put(WebhookHeaders.ORDER_GROUP, "payrexx:" + transactionId);
        headers.put(CorrelationId.CAMEL_HEADER, CorrelationId.of(exchange));
        template.sendBodyAndHeaders("jms:queue:" + queue,
                "{\"transactionId\":" + transactionId + ",\"claimedStatus\":\"" + status + "\"}", headers);
        return true;
    }
}
