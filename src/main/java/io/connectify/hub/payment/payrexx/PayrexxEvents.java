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
     * Whether the payment page of a booking still waiting for its Payrexx payment takes payments, as Payrexx reads
     * it now. A declined transaction is then one failed attempt: the customer, still on the page, may pay another
     * way. The page is the booking's payment reference until a payment is recorded. False for a booking that is
     * unknown, not Payrexx's, paid or no longer waiting, and for a page Payrexx no longer has.
     */
    public boolean paymentPageOpen(@Header(WebhookHeaders.BOOKING_ID) String bookingId) {
        Booking booking = pending(bookingId);
        if (booking == null || !PayrexxConfig.PROVIDER.equals(booking.provider()) || booking.paid()
                || booking.paymentReference() == null || !booking.paymentReference().matches("[0-9]{1,18}")) {
            return false;
        }
        try {
            Gateway page = template.requestBody(PayrexxRoutes.GET_GATEWAY, Long.parseLong(booking.paymentReference()),
                    Gateway.class);
            return OPEN.equals(page.status());
        } catch (CamelExecutionException e) {
            RuntimeException failure = Causes.hubErrorOr(e);
            if (failure instanceof NotFoundException) {
                return false; // deleted: nothing to pay on
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
