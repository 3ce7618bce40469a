package io.connectify.hub.payment.payrexx;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.payment.payrexx.PayrexxCommands.Gateway;
import io.connectify.hub.payment.payrexx.PayrexxCommands.Transaction;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.webhook.WebhookHeaders;
import org.apache.camel.Body;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Puts a transaction fetched from the Payrexx API into the saga's headers: only the API's word counts. */
@Component("payrexxEvents")
public class PayrexxEvents {

    private static final Logger log = LoggerFactory.getLogger(PayrexxEvents.class);

    /** A Payrexx payment page that still takes payments; confirmed, authorized or reserved ones are done. */
    private static final String OPEN = "waiting";
    /** Gateway statuses of a page another transaction has paid (or holds the money of). */
    private static final java.util.Set<String> PAID = java.util.Set.of("confirmed", "authorized", "reserved");

    private final BookingRepository bookings;
    private final ProducerTemplate template;

    public PayrexxEvents(BookingRepository bookings, ProducerTemplate template) {
        this.bookings = bookings;
        this.template = template;
    }

    public void describe(@Body Transaction t, Exchange exchange) {
        var message = exchange.getMessage();
        message.setHeader(WebhookHeaders.PROVIDER, PayrexxConfig.PROVIDER);
        message.setHeader(WebhookHeaders.BOOKING_ID, t.referenceId());
        message.setHeader(WebhookHeaders.PAYMENT_STATUS, t.status());
        message.setHeader(WebhookHeaders.PAYMENT_REFERENCE, Long.toString(t.id()));
        message.setHeader(WebhookHeaders.PAID_AMOUNT, t.amount());
    }

    /**
     * The payment page of a booking still waiting for its Payrexx payment, as Payrexx reads it now, for a failed
     * transaction's event: {@code open} (it takes payments: a declined transaction is one failed attempt, the customer,
     * still on the page, may pay another way), {@code paid} (another transaction of the page paid: this one's failure
     * ends nothing, and the paid one's event confirms the booking, should it not have yet; processed before it, a
     * decline marked a paid booking failed, told the customer so and released the slot), else {@code closed}: the
     * booking is unknown, not Payrexx's, paid or no longer waiting, or the page is done or gone. The page is the
     * booking's payment reference until a payment is recorded.
     */
    public String paymentPage(@Header(WebhookHeaders.BOOKING_ID) String bookingId) {
        Booking booking = pending(bookingId);
        if (booking == null || !PayrexxConfig.PROVIDER.equals(booking.provider()) || booking.paid()
                || booking.paymentReference() == null || !booking.paymentReference().matches("[0-9]{1,18}")) {
            return "closed";
        }
        try {
            Gateway page = template.requestBody(PayrexxRoutes.GET_GATEWAY, Long.parseLong(booking.paymentReference()),
                    Gateway.class);
            return OPEN.equals(page.status()) ? "open" : PAID.contains(page.status()) ? "paid" : "closed";
        } catch (CamelExecutionException e) {
            RuntimeException failure = Causes.hubErrorOr(e);
            if (failure instanceof NotFoundException) {
                return "closed"; // deleted: nothing to pay on
            }
            throw failure; // Payrexx unreachable: the event is redelivered and asks again
        }
    }

    /**
     * The booking a repeated delivery (its key recorded: processed before) is about, for its notifications still
     * unsent: the one the transaction is recorded on as its payment, else, for a transaction recorded on no booking
     * (a failure, a page cancelled), the one the transaction names when fetched from Payrexx again, as its first
     * delivery did. Best effort: should Payrexx not answer, null (logged), and the repeat is acknowledged as the
     * duplicate it is; the recovery sweep queues those notifications later.
     */
    public String bookingOfRepeat(@Header(WebhookHeaders.TRANSACTION_ID) Long transactionId) {
        if (transactionId == null) {
            return null;
        }
        var recorded = bookings.idByPayment(PayrexxConfig.PROVIDER, transactionId.toString());
        if (recorded.isPresent()) {
            return recorded.get();
        }
        try {
            return template.requestBody(PayrexxRoutes.GET_TRANSACTION, transactionId, Transaction.class).referenceId();
        } catch (CamelExecutionException e) {
            log.warn("Payrexx transaction {} repeated: its booking could not be read from Payrexx ({}); the recovery "
                    + "sweep queues its notifications still unsent", transactionId,
                    Causes.hubErrorOr(e).getClass().getSimpleName());
            return null;
        }
    }

    private Booking pending(String bookingId) {
        return bookings.findNamed(bookingId).filter(b -> b.status() == BookingStatus.PENDING_PAYMENT).orElse(null);
    }
}
