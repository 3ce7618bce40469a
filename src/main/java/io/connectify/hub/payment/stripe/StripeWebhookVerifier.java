package io.connectify.hub.payment.stripe;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.booking.BookingIds;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.resilience.InvalidSignatureException;
import io.connectify.hub.webhook.RawBody;
import io.connectify.hub.webhook.WebhookAudit;
import io.connectify.hub.webhook.WebhookHeaders;
import io.connectify.hub.webhook.WebhookMetrics;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Verifies {@code Stripe-Signature} on the raw body by Stripe's scheme ({@link StripeSignatureCheck}: any configured
 * secret passes, so secrets can roll; timestamps older than the tolerance fail), then reads the few fields the saga
 * needs from the raw JSON. Reading the JSON instead of stripe-java's typed objects keeps events of any API version
 * readable (the typed deserializer answers empty for a version other than the SDK's). A {@link Processor}, so the
 * route's {@code bean: stripeWebhookVerifier} calls it directly, without Camel's bean binding on every webhook.
 * A rejection is counted by reason; a stale one (signed correctly, too long ago) is logged with its age at most once
 * per {@link #STALE_WARNING_EVERY}: a hub clock ahead of Stripe's by more than the tolerance makes every event stale,
 * and a WARN per event would bury the one line that says so.
 */
@Component("stripeWebhookVerifier")
public class StripeWebhookVerifier implements Processor {

    private static final Logger log = LoggerFactory.getLogger(StripeWebhookVerifier.class);
    /** Stripe's error and decline codes (card_declined, insufficient_funds): nothing else goes on the booking. */
    private static final Pattern STRIPE_CODE = Pattern.compile("[a-z0-9_]{1,64}");
    /** An ISO 4217 currency code, upper case (Stripe's, upper-cased by StripeEventFields). */
    private static final Pattern ISO_CURRENCY = Pattern.compile("[A-Z]{3}");
    /** How often a stale signature is logged as a WARN (the line says so); the others in between at DEBUG. */
    static final Duration STALE_WARNING_EVERY = Duration.ofMinutes(1);
    private static final Map<String, String> REASONS = Map.of(
            StripeSignatureCheck.MALFORMED, WebhookMetrics.MALFORMED_HEADER,
            StripeSignatureCheck.NO_V1, WebhookMetrics.MALFORMED_HEADER,
            StripeSignatureCheck.NO_MATCH, WebhookMetrics.BAD_SIGNATURE,
            StripeSignatureCheck.NO_SECRET, WebhookMetrics.NO_SECRET);

    private final StripeSignatureCheck signatures;
    private final Clock clock;
    private final WebhookMetrics metrics;
    private final WebhookAudit audit;
    private final ObjectMapper json;
    /** Epoch millisecond (by the hub's clock) from which a stale signature is logged as a WARN again. */
    private final AtomicLong nextStaleWarning = new AtomicLong(Long.MIN_VALUE);

    public StripeWebhookVerifier(StripeConnection connection, StripeProperties properties, Clock clock,
                                 WebhookMetrics metrics, WebhookAudit audit, ObjectMapper json) {
        this.signatures = new StripeSignatureCheck(connection.webhookSecrets(), properties.webhookTolerance().toSeconds());
        this.clock = clock;
        this.metrics = metrics;
        this.audit = audit;
        this.json = json;
    }

    @Override
    public void process(Exchange exchange) {
        try {
            verify(exchange);
        } catch (InvalidSignatureException refused) {
            audit.rejected(StripeConfig.PROVIDER, exchange);
            throw refused;
        }
    }

    private void verify(Exchange exchange) {
        String signature = exchange.getMessage().getHeader("Stripe-Signature", String.class);
        // the body's bytes, read once, stay the message's body: the inbox records them as they are
        byte[] payload = RawBody.bytes(exchange.getMessage());
        if (payload == null || signature == null || signature.isBlank()) {
            reject(WebhookMetrics.MISSING_HEADER, "Missing Stripe-Signature header or body");
        }
        long now = clock.instant().getEpochSecond();
        String why = signatures.whyNot(payload, signature, now);
        if (StripeSignatureCheck.TOO_OLD.equals(why)) {
            rejectStale(now - StripeSignatureCheck.timestamp(signature));
        }
        if (why != null) {
            reject(REASONS.get(why), "Stripe-Signature does not verify: " + why);
        }
        StripeEventFields event = read(payload);
        var message = exchange.getMessage();
        CorrelationId.keepOnlyItsHeader(message); // the request's headers stay out of the queued event
        message.setHeader(WebhookHeaders.PROVIDER, StripeConfig.PROVIDER);
        String eventKey = "stripe:" + event.id();
        message.setHeader(WebhookHeaders.EVENT_KEY, eventKey);
        message.setHeader(WebhookHeaders.EVENT_TYPE, event.type());
        String bookingId = event.booking();
        message.setHeader(WebhookHeaders.BOOKING_ID, bookingId);
        String payment = event.paymentReference();
        message.setHeader(WebhookHeaders.ORDER_GROUP, orderGroup(bookingId, payment, eventKey));
        message.setHeader(WebhookHeaders.PAYMENT_STATUS, event.paymentState());
        message.setHeader(WebhookHeaders.PAYMENT_REFERENCE, payment);
        message.setHeader(WebhookHeaders.PAID_AMOUNT, event.paidAmount());
        String currency = event.paidCurrency();
        if (!currency.isEmpty()) { // what the amount is in: a payment in another one never confirms a booking
            message.setHeader(WebhookHeaders.PAID_CURRENCY, currencyHeader(currency));
        }
        Long refunded = event.refundedAmount();
        if (refunded != null) { // a Charge's (charge.refunded): how much of it Stripe shows refunded
            message.setHeader(WebhookHeaders.REFUNDED_AMOUNT, refunded);
        }
        Long disputed = event.disputedAmount();
        if (disputed != null) { // a Dispute's (charge.dispute.*): how much of the payment it takes back
            message.setHeader(WebhookHeaders.DISPUTED_AMOUNT, disputed);
        }
        String refund = event.refundReference();
        if (!refund.isEmpty()) {
            message.setHeader(WebhookHeaders.REFUND_REFERENCE, refund);
        }
        String mark = event.refundMark();
        if (!mark.isEmpty()) {
            message.setHeader(WebhookHeaders.REFUND_MARK, mark);
        }
        String paymentError = event.paymentError();
        if (!paymentError.isEmpty()) { // only a failed attempt's event has one: no property on the others
            message.setHeader(WebhookHeaders.PAYMENT_ERROR,
                    STRIPE_CODE.matcher(paymentError).matches() ? paymentError : "unrecognized");
        }
    }

    /**
     * The event's message group: its Payment Intent's whenever it carries one, whether or not it names a booking, so
     * that every event of one payment is handled in order and their look-ups commit in order: the Checkout's two of
     * the payment, its charge.refunded (with the bookingId or without it), its refunds' and its disputes' (which name
     * no booking). Before, an event naming a booking went into the booking's group and one naming none into the
     * payment's: a charge.refunded and a dispute of one payment could run in parallel. An event without a Payment
     * Intent (a Checkout Session expired before any payment attempt) goes into its booking's group, the booking's id
     * as stored (in any case, blanks around it ignored, as the saga looks it up: {@link BookingIds#ofEvent}; before,
     * as written, so {@code BK-…} and {@code bk-…} of one booking were two groups, handled at once); else the event
     * alone. A booking's events of different payments (a second payment) may run in parallel: the saga decides each
     * under the booking's row lock with conditional updates, as it does for instances consuming one queue.
     */
    static String orderGroup(String bookingId, String payment, String eventKey) {
        if (!payment.isEmpty()) {
            return PAYMENT_GROUP + payment;
        }
        if (bookingId.isEmpty()) {
            return eventKey;
        }
        String stored = BookingIds.ofEvent(bookingId);
        return stored == null ? bookingId : stored; // no UUID names no booking: grouped as written
    }

    /**
     * The currency of a queued event's payment, read from its body (the event as Stripe sent it): for an event queued
     * before the hub put the currency into a header (a backlog, a dead letter replayed), so that it is judged by the
     * currency Stripe sent, as a new one is; null when the body names none. The body as queued: the event's UTF-8
     * bytes (a BytesMessage, as the webhook inbox forwards it) or its text (a TextMessage, queued before or by hand).
     */
    public String currencyOf(@Body Object payload) {
        StripeEventFields event = queued(payload);
        String currency = event == null ? "" : event.paidCurrency();
        return currency.isEmpty() ? null : currencyHeader(currency);
    }

    /**
     * The Checkout Session a queued event is about (its object's id), read from its body: for checkout.session.expired
     * and .async_payment_failed, which act only on the booking whose own payment page that session is, and for a
     * completion with a payment processing, which records that session (V38). Null when the object is no Checkout
     * Session or the body no event.
     */
    public String checkoutSessionOf(@Body Object payload) {
        return checkoutSession(queued(payload));
    }

    /**
     * When Stripe created a queued event (its {@code created}, epoch seconds), read from its body: a processing
     * payment is recorded with it, and a failure created before that (an older decline delivered late) fails nothing
     * of it (V38). Null when the body names none or is no event.
     */
    public Long eventCreatedOf(@Body Object payload) {
        StripeEventFields event = queued(payload);
        return event == null ? null : event.created();
    }

    /**
     * Both {@link #checkoutSessionOf} and {@link #eventCreatedOf} of a queued event, into the message's headers
     * {@value WebhookHeaders#CHECKOUT_SESSION} and {@value WebhookHeaders#EVENT_CREATED}, from one reading of its body
     * (a delayed payment's processing or failure needs both; before, each read the whole event).
     */
    public void readSessionAndCreated(Exchange exchange) {
        Message message = exchange.getMessage();
        StripeEventFields event = queued(message.getBody());
        message.setHeader(WebhookHeaders.CHECKOUT_SESSION, checkoutSession(event));
        message.setHeader(WebhookHeaders.EVENT_CREATED, event == null ? null : event.created());
    }

    private static String checkoutSession(StripeEventFields event) {
        return event != null && "checkout.session".equals(event.objectKind()) ? event.objectId() : null;
    }

    /** A queued event's fields; null when its body is no event. */
    private StripeEventFields queued(Object payload) {
        try {
            return StripeEventFields.readQueued(json.getFactory(), payload);
        } catch (java.io.IOException | RuntimeException notAnEvent) {
            return null;
        }
    }

    /** An ISO 4217 code as it is; anything else (never from Stripe) as "unrecognized", which is no booking's. */
    private static String currencyHeader(String currency) {
        return ISO_CURRENCY.matcher(currency).matches() ? currency : "unrecognized";
    }

    /** How the message group of a payment's events begins (a booking's, for an event without one, is its UUID). */
    static final String PAYMENT_GROUP = "payment:";

    private StripeEventFields read(byte[] payload) {
        try {
            StripeEventFields event = StripeEventFields.read(json.getFactory(), payload);
            if (event.id() == null || !event.id().startsWith("evt_") || event.type() == null || event.type().isEmpty()) {
                reject(WebhookMetrics.NOT_AN_EVENT, "Body is not a Stripe event");
            }
            return event;
        } catch (java.io.IOException e) {
            reject(WebhookMetrics.NOT_AN_EVENT, "Body is not a Stripe event");
            return null;
        }
    }

    private void reject(String reason, String why) {
        metrics.rejected(StripeConfig.PROVIDER, reason);
        log.warn("Stripe webhook rejected: {}", why);
        throw new InvalidSignatureException(why);
    }

    /** Signed by a configured secret {@code ageSeconds} ago, past the tolerance. */
    private void rejectStale(long ageSeconds) {
        metrics.rejected(StripeConfig.PROVIDER, WebhookMetrics.STALE_TIMESTAMP);
        long now = clock.millis();
        long due = nextStaleWarning.get();
        if (now >= due && nextStaleWarning.compareAndSet(due, now + STALE_WARNING_EVERY.toMillis())) {
            log.warn("Stripe webhook rejected: signed {} s ago, past the tolerance of {} s. If every event is, the "
                    + "hub's clock is about {} s ahead of Stripe's: check its time synchronization (NTP). Logged at "
                    + "most once a minute", ageSeconds, signatures.toleranceSeconds(), ageSeconds);
        } else {
            log.debug("Stripe webhook rejected: signed {} s ago, past the tolerance", ageSeconds);
        }
        throw new InvalidSignatureException("Stripe-Signature does not verify: " + StripeSignatureCheck.TOO_OLD);
    }
}
