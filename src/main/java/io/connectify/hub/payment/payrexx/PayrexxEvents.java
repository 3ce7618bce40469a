package io.connectify.hub.payment.payrexx;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.payment.payrexx.PayrexxCommands.Gateway;
import io.connectify.hub.payment.payrexx.PayrexxCommands.Transaction;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.webhook.ProcessedEventRepository;
import io.connectify.hub.webhook.WebhookHeaders;
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
    /**
     * How far a transaction has come, for telling whether the API is behind its webhook: 0 not paid yet, 1 paid (or
     * its money held), 2 a refund under way or a dispute, 3 a refund made (in full or in part). Payrexx's statuses
     * (payrexx-php's Transaction). A refund is pending before it is made: a refunded delivery read while the API still
     * shows refund_pending is the API behind (before, both were 2: the refund_pending key, recorded by that status's
     * own delivery, made the refunded one a duplicate, and the refund was never recorded). A dispute is 2 as well, but
     * never behind ({@link #behind}): Payrexx tells no order of a chargeback and a refund, so a transaction refunded in
     * part and then disputed may show disputed for good, and its refund's delivery, asked again, would fail alike on
     * every replay; it is acted on as fetched, as before.
     */
    private static final java.util.Map<String, Integer> STAGE = java.util.Map.of("initiated", 0, "waiting", 0,
            "confirmed", 1, "authorized", 1, "reserved", 1,
            "refund_pending", 2, "disputed", 2, "refunded", 3, "partially-refunded", 3);
    /** The ends of a transaction that did not pay: after waiting, not compared with the paid stages. */
    private static final java.util.Set<String> FAILED = java.util.Set.of("cancelled", "declined", "error", "expired");
    /** Booking statuses that still take a payment (a late one is taken again if its slot is free). */
    private static final java.util.Set<BookingStatus> WAITING = java.util.Set.of(BookingStatus.PENDING_PAYMENT,
            BookingStatus.EXPIRED, BookingStatus.PAYMENT_FAILED);

    private final BookingRepository bookings;
    private final ProducerTemplate template;
    private final ProcessedEventRepository processed;

    public PayrexxEvents(BookingRepository bookings, ProducerTemplate template, ProcessedEventRepository processed) {
        this.bookings = bookings;
        this.template = template;
        this.processed = processed;
    }

    /**
     * Whether the status a delivery claims was acted on before (its key {@code payrexx:<id>:<status>} recorded by
     * the delivery that acted on that status, whatever it claimed): then this one is a repeat, and Payrexx is not
     * asked again. A later status has its own delivery, whose key is not recorded.
     */
    public boolean claimActedOn(@Header(WebhookHeaders.EVENT_KEY) String eventKey) {
        return eventKey != null && processed.contains(eventKey);
    }

    /**
     * The key of the status the hub acts on: the one fetched from the Payrexx API, which may be later than the one
     * the webhook claimed (a waiting delivery handled once the transaction is confirmed: confirmed is acted on, and
     * recorded as such, so the confirmed delivery that follows is a repeat). One fetched earlier than the claim
     * (Payrexx's API behind its own webhook: confirmed claimed, waiting fetched) is a passing failure: acting on it
     * did nothing, and Payrexx, answered 200, sends that status no more; the event is redelivered, and, should the
     * API stay behind past the redeliveries, dead-lettered and replayed on its own, so the payment is not lost.
     */
    static String statusKey(long transactionId, String eventKey, String fetched) {
        String claimed = eventKey == null ? "" : eventKey.substring(eventKey.lastIndexOf(':') + 1);
        if (behind(fetched, claimed)) {
            throw new ProviderException(PayrexxConfig.PROVIDER, ProviderException.Kind.UNAVAILABLE, "Payrexx's API "
                    + "shows transaction " + transactionId + " " + fetched + ", its webhook said " + claimed
                    + ": asked again later");
        }
        return "payrexx:" + transactionId + ":" + fetched;
    }

    /**
     * Whether the status fetched is earlier than the one claimed: waiting before any other; a paid status before a
     * refund or dispute; a refund under way before a refund made (a dispute before nothing). A failure (cancelled,
     * declined, error, expired) comes only after waiting. Statuses the hub does not order (insecure, uncaptured, new
     * ones) are never behind: the fetched one is acted on, as before.
     */
    static boolean behind(String fetched, String claimed) {
        Integer stage = STAGE.get(fetched);
        if (stage == null || claimed == null) {
            return false;
        }
        if (FAILED.contains(claimed)) {
            return stage == 0;
        }
        if ("disputed".equals(fetched)) {
            return false; // see STAGE: a dispute may stay the transaction's status for good
        }
        Integer claimedStage = STAGE.get(claimed);
        return claimedStage != null && stage < claimedStage;
    }

    /**
     * Fetches the event's transaction from the Payrexx API and puts it into the saga's headers, with the key of the
     * status acted on ({@link WebhookHeaders#STATUS_KEY}, see {@link #statusKey}). The look-up is an exchange of its
     * own: the provider call keeps none of the message's headers, and this message's go on (its redelivery counter
     * among them: cleared, the event was redelivered in place for ever instead of being dead-lettered).
     */
    public void verify(@Header(WebhookHeaders.TRANSACTION_ID) Long transactionId,
                       @Header(WebhookHeaders.EVENT_KEY) String eventKey, Exchange exchange) {
        Transaction t;
        try {
            t = template.requestBodyAndHeader(PayrexxRoutes.GET_TRANSACTION, transactionId,
                    CorrelationId.CAMEL_HEADER, CorrelationId.of(exchange), Transaction.class);
        } catch (CamelExecutionException e) {
            throw Causes.hubErrorOr(e); // Payrexx unreachable or refusing: the event is redelivered, then dead-lettered
        }
        var message = exchange.getMessage();
        message.setHeader(WebhookHeaders.PROVIDER, PayrexxConfig.PROVIDER);
        message.setHeader(WebhookHeaders.BOOKING_ID, t.referenceId());
        // kept by the exchange, not only its message: should the event be dead-lettered, its letter (the message as
        // it came, transaction id only) names the booking (DeadLetterStore)
        exchange.setProperty(WebhookHeaders.RESOLVED_BOOKING, t.referenceId());
        message.setHeader(WebhookHeaders.PAYMENT_STATUS, t.status());
        message.setHeader(WebhookHeaders.PAYMENT_REFERENCE, Long.toString(t.id()));
        message.setHeader(WebhookHeaders.PAYMENT_PAGE, t.gatewayId());
        message.setHeader(WebhookHeaders.PAID_AMOUNT, t.amount());
        // the API's (invoice.currencyAlpha3), not the webhook's: only what the API says is trusted
        message.setHeader(WebhookHeaders.PAID_CURRENCY, t.currency());
        message.setHeader(WebhookHeaders.STATUS_KEY, statusKey(t.id(), eventKey, t.status()));
    }

    /**
     * The payment page of a booking still waiting for its Payrexx payment, as Payrexx reads it now, for a failed
     * transaction's event: {@code open} (it takes payments: a declined transaction is one failed attempt, the customer,
     * still on the page, may pay another way), {@code paid} (another transaction of the page paid: this one's failure
     * ends nothing, and the paid one's event confirms the booking, should it not have yet; processed before it, a
     * decline marked a paid booking failed, told the customer so and released the slot), {@code other}: the
     * transaction was made on a page that is not the booking's own (one an operator made naming the booking through
     * {@code POST /payments/payrexx/gateways}, a Stripe booking's or a second page of a Payrexx one): one failed
     * attempt on that page, while the booking keeps waiting on its own (before, taken for {@code closed}, it marked the
     * booking PAYMENT_FAILED, its own page still open), else {@code closed}: the booking is unknown, paid or no longer
     * waiting, or the page is done or gone. The page is the booking's payment reference until a payment is recorded;
     * the transaction's, Payrexx's {@code invoice.paymentRequestId}: one naming none is taken for the booking's own.
     */
    public String paymentPage(@Header(WebhookHeaders.BOOKING_ID) String bookingId,
                              @Header(WebhookHeaders.PAYMENT_PAGE) Long transactionPage) {
        Booking booking = pending(bookingId);
        if (booking == null) {
            return "closed";
        }
        if (!PayrexxConfig.PROVIDER.equals(booking.provider())) {
            return "other";
        }
        if (booking.paid() || booking.paymentReference() == null
                || !booking.paymentReference().matches("[0-9]{1,18}")) {
            return "closed";
        }
        if (transactionPage != null && !transactionPage.toString().equals(booking.paymentReference())) {
            return "other";
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
     * delivery did (or as this one did already: {@code named}), with the delivery's correlation id as {@link #verify}
     * sends it. Best effort: should Payrexx not answer, null (logged), and the repeat is acknowledged as the
     * duplicate it is; the recovery sweep queues those notifications later. Kept by the exchange too
     * ({@link WebhookHeaders#RESOLVED_BOOKING}), as {@link #verify} keeps it: should the repeat's steps fail, its
     * dead letter names the booking (before, a repeat's letter named none).
     */
    public String bookingOfRepeat(@Header(WebhookHeaders.TRANSACTION_ID) Long transactionId,
                                  @Header(WebhookHeaders.BOOKING_ID) String named, Exchange exchange) {
        String booking = transactionId == null ? null : repeatedBooking(transactionId, named, exchange);
        if (booking != null) {
            exchange.setProperty(WebhookHeaders.RESOLVED_BOOKING, booking);
        }
        return booking;
    }

    private String repeatedBooking(Long transactionId, String named, Exchange exchange) {
        var recorded = bookings.idByPayment(PayrexxConfig.PROVIDER, transactionId.toString());
        if (recorded.isPresent()) {
            return recorded.get();
        }
        if (named != null && !named.isBlank()) {
            return named;
        }
        try {
            return template.requestBodyAndHeader(PayrexxRoutes.GET_TRANSACTION, transactionId,
                    CorrelationId.CAMEL_HEADER, CorrelationId.of(exchange), Transaction.class).referenceId();
        } catch (CamelExecutionException e) {
            log.warn("Payrexx transaction {} repeated: its booking could not be read from Payrexx ({}); the recovery "
                    + "sweep queues its notifications still unsent", transactionId,
                    Causes.hubErrorOr(e).getClass().getSimpleName());
            return null;
        }
    }

    /**
     * Whether the booking the transaction names still waits for a payment that this transaction can be (none
     * recorded, or this one recorded and not yet confirmed): a confirmed delivery handled only once Payrexx shows the
     * transaction disputed, whose payment is then recorded before the dispute is. False for a booking paid by
     * another payment, confirmed, cancelled or unknown: the dispute is surfaced as it is. False too for a transaction
     * the hub acted on before ({@link #paymentActedOnOrRefunded}: one that could not pay for the booking, below the
     * price or in another currency, refunded by the hub, its booking still waiting): its payment is no longer to
     * record, and, taken
     * for one, it was left for a person as "neither confirmed nor refunded", so a person might pay back by hand what
     * the hub had refunded already.
     */
    public boolean awaitsThisPayment(@Header(WebhookHeaders.BOOKING_ID) String bookingId,
                                     @Header(WebhookHeaders.PAYMENT_REFERENCE) String transaction) {
        Booking booking = bookings.findNamed(bookingId).orElse(null);
        if (booking == null || !WAITING.contains(booking.status()) || actedOnOrRefunded(booking, transaction)) {
            return false;
        }
        return !booking.paid() || java.util.Objects.equals(booking.paymentReference(), transaction)
                && booking.status() == BookingStatus.PENDING_PAYMENT;
    }

    /**
     * Whether the hub acted on this transaction's payment before (its confirmed status's key recorded): it confirmed
     * a booking with it, or refunded it itself (one below the price, one that paid for nothing). A refund Payrexx then
     * reports is that refund, or one of a booking the hub confirmed: not a payment returned before the hub saw it.
     */
    public boolean paymentActedOn(@Header(WebhookHeaders.PAYMENT_REFERENCE) String transaction) {
        return transaction != null && processed.contains("payrexx:" + transaction + ":confirmed");
    }

    /**
     * {@link #paymentActedOn}, or the hub refunded this payment itself as it paid for nothing of the booking (one
     * below the price, a second payment; kept with the booking, V37, as long as it is), for a dispute, which may come
     * weeks or months later: the key alone, which the retention sweep deletes after
     * connectify.retention.processed-events, told it before, and a chargeback of a payment the hub had refunded was
     * then left for a person as "neither confirmed nor refunded", inviting a second pay-back. Not for a refund Payrexx
     * reports (paymentActedOn alone): that comes at once, and a short payment's, its notice lost with the dead-lettered
     * event that refunded it, is the one that tells its customer.
     */
    public boolean paymentActedOnOrRefunded(@Header(WebhookHeaders.BOOKING_ID) String bookingId,
                                            @Header(WebhookHeaders.PAYMENT_REFERENCE) String transaction) {
        return actedOnOrRefunded(bookingId == null ? null : bookings.findNamed(bookingId).orElse(null), transaction);
    }

    private boolean actedOnOrRefunded(Booking booking, String transaction) {
        if (transaction == null) {
            return false;
        }
        return booking != null && bookings.refundedByTheHub(booking.id(), PayrexxConfig.PROVIDER, transaction)
                || paymentActedOn(transaction);
    }

    private Booking pending(String bookingId) {
        return bookings.findNamed(bookingId).filter(b -> b.status() == BookingStatus.PENDING_PAYMENT).orElse(null);
    }
}
