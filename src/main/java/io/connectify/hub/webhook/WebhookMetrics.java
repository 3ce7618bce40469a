package io.connectify.hub.webhook;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * Webhook counters: signatures rejected, duplicates dropped, events enqueued, and the failed payment attempts (a card
 * declined on the payment page), failed refunds and disputed payments the events reported, per provider. A rejection
 * also says why ({@code reason}), so ops tell a hub clock off by more than Stripe's tolerance (every event
 * {@value #STALE_TIMESTAMP}) from forged or misaddressed deliveries.
 */
@Component("webhookMetrics")
public class WebhookMetrics {

    /** Exchange property: this message's duplicate is counted ({@link #duplicate}). */
    private static final String DUPLICATE_COUNTED = "connectifyDuplicateCounted";

    /** No signature (or token) header, or no body. */
    public static final String MISSING_HEADER = "missing-header";
    /** A signature header that does not parse, or has no signature of the expected scheme. */
    public static final String MALFORMED_HEADER = "malformed-header";
    /** Signed, but by no configured secret, or over another body: forged, tampered, or a secret the hub lacks. */
    public static final String BAD_SIGNATURE = "bad-signature";
    /** Signed correctly, but longer ago than the tolerance: a replay, or the hub's clock ahead of the sender's. */
    public static final String STALE_TIMESTAMP = "stale-timestamp";
    /** The hub has no secret to check the signature with. */
    public static final String NO_SECRET = "no-secret";
    /** Signed correctly, but the body is not an event. */
    public static final String NOT_AN_EVENT = "not-an-event";
    /** A wrong or missing secret token (Payrexx's path token, Google's channel token). */
    public static final String BAD_TOKEN = "bad-token";
    /** A Payrexx delivery with the right token whose body names no transaction (empty, not JSON, a broken form). */
    public static final String NOT_A_TRANSACTION = "not-a-transaction";
    /** A POST to a path under Payrexx's no route serves (a trailing slash, a segment after the token): 404. */
    public static final String BAD_PATH = "bad-path";
    /** A Google Calendar notification for a channel the hub does not run. */
    public static final String UNKNOWN_CHANNEL = "unknown-channel";
    /** A Google Calendar notification while push is off. */
    public static final String PUSH_OFF = "push-off";

    /** The reasons each provider's verification tells apart: their series exist from the start (HubMetrics). */
    public static final Map<String, List<String>> REJECTION_REASONS = Map.of(
            "stripe", List.of(MISSING_HEADER, MALFORMED_HEADER, BAD_SIGNATURE, STALE_TIMESTAMP, NO_SECRET, NOT_AN_EVENT),
            "payrexx", List.of(BAD_TOKEN, BAD_PATH, NOT_A_TRANSACTION),
            "twilio", List.of(MISSING_HEADER, BAD_SIGNATURE),
            "google-calendar", List.of(PUSH_OFF, BAD_TOKEN, UNKNOWN_CHANNEL));

    private final MeterRegistry registry;
    /** By name, provider (and reason): registering looks the meter up by a newly built id, on every event otherwise. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void rejected(String provider, String reason) {
        counters.computeIfAbsent("connectify.webhook.rejected|" + provider + '|' + reason,
                key -> Counter.builder("connectify.webhook.rejected").tag("provider", provider).tag("reason", reason)
                        .register(registry)).increment();
    }

    /**
     * A duplicate event (route step), counted once per message: a retry in place runs every step of the consumer's
     * route again (a failure after this step, its notifications queued again say), and is not another duplicate.
     */
    public void duplicate(Exchange exchange) {
        if (exchange.getProperty(DUPLICATE_COUNTED, false, Boolean.class)) {
            return;
        }
        exchange.setProperty(DUPLICATE_COUNTED, true);
        counter("connectify.webhook.duplicates", exchange.getIn().getHeader(WebhookHeaders.PROVIDER, String.class))
                .increment();
    }

    public void enqueued(String provider) {
        counter("connectify.webhook.enqueued", provider).increment();
    }

    public void paymentAttemptFailed(@Header(WebhookHeaders.PROVIDER) String provider) {
        counter("connectify.payment.attempts.failed", provider).increment();
    }

    public void refundFailed(@Header(WebhookHeaders.PROVIDER) String provider) {
        counter("connectify.refunds.failed", provider).increment();
    }

    /** A refund of a booking's payment the hub did not make (made by hand at the provider) failed. */
    public void foreignRefundFailed(String provider) {
        counter("connectify.refunds.failed.foreign", provider).increment();
    }

    /**
     * A booking's payment refunded (in full or in part) at the provider by someone other than the hub (by hand in the
     * dashboard): recorded on the booking, for a person (the note says what to check).
     */
    public void refundedOutsideHub(String provider) {
        counter("connectify.refunds.outside.hub", provider).increment();
    }

    /**
     * A booking paid above its price (a Dashboard payment or Payment Link naming it): confirmed, the excess left for a
     * person to refund (marked), once per booking.
     */
    public void paidOverPrice(String provider) {
        counter("connectify.payments.over.price", provider).increment();
    }

    /**
     * A booking's payment refunded at the provider by the hub's own refund (its answer lost at the cancel) after a
     * person recorded that refund as settled by hand: the customer was paid back twice. Marked for a person.
     */
    public void refundedAfterSettled(String provider) {
        counter("connectify.refunds.after.settled", provider).increment();
    }

    public void paymentDisputed(@Header(WebhookHeaders.PROVIDER) String provider) {
        counter("connectify.payment.disputes", provider).increment();
    }

    private Counter counter(String name, String provider) {
        String tag = provider == null ? "unknown" : provider;
        return counters.computeIfAbsent(name + '|' + tag,
                key -> Counter.builder(name).tag("provider", tag).register(registry));
    }
}
