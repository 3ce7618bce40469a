package io.connectify.hub.webhook;

import io.connectify.hub.booking.BookingIds;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.ops.IntegrationAudit;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.springframework.stereotype.Component;

/**
 * The audit of inbound provider webhooks, in {@code integration_audit} beside the provider calls: a row per queued
 * event once the hub has handled it, with its outcome ({@value #PROCESSED}; {@value #IGNORED} when it needed no
 * action; {@value #DUPLICATE}; {@value #DEAD_LETTERED}, then {@value #DISCARDED} should a person delete that letter
 * unreplayed), and a row per webhook refused at its signature or token
 * ({@value #SIGNATURE_REJECTED}) or for another reason, which its outcome names (a Google Calendar notification
 * while push is off, or for a channel the hub does not run, a Payrexx delivery whose body names no transaction).
 * The operation is {@code webhook:} and the event's type ({@code webhook:checkout.session.completed}), the latency
 * the time from the webhook's receipt to that outcome.
 * <p>
 * Recorded by the routes that process the queued events, and where a webhook is refused, and written in batches by
 * the audit's own thread ({@link IntegrationAudit#recordLater}): neither the ingress nor the queue consumers wait for
 * a database write of it (the ingress's throughput is a benchmark target, and an event needing no action has no other
 * write). Refusals wait in a buffer of their own ({@link IntegrationAudit#recordRefusalLater}): a flood of them cannot
 * push the events' rows out.
 */
@Component("webhookAudit")
public class WebhookAudit {

    /** The operation of a webhook refused before its event could be read: no type it names is trusted. */
    public static final String OPERATION = "webhook";
    public static final String PROCESSED = "processed";
    public static final String IGNORED = "ignored";
    public static final String DUPLICATE = "duplicate";
    public static final String DEAD_LETTERED = "dead-lettered";
    /** A dead letter of the event deleted by a person, its event never processed. */
    public static final String DISCARDED = "discarded";
    public static final String SIGNATURE_REJECTED = "signature-rejected";

    private final IntegrationAudit audit;

    public WebhookAudit(IntegrationAudit audit) {
        this.audit = audit;
    }

    /** A queued event handled (route step): processed, or ignored when it needed no action. */
    public void processed(Exchange exchange) {
        boolean actedOn = exchange.getProperty(WebhookHeaders.ACTED_ON, true, Boolean.class);
        record(exchange, exchange.getMessage(), actedOn ? PROCESSED : IGNORED);
    }

    /** A queued event handled before (route step). */
    public void duplicate(Exchange exchange) {
        record(exchange, exchange.getMessage(), DUPLICATE);
    }

    /**
     * A message stored as a dead letter (the dead-letter channel's original message): audited when it is a webhook's
     * event (one with an event key, which the ingress gives every event), not a notification's.
     */
    public void deadLettered(Exchange exchange) {
        Message original = exchange.getIn();
        if (original.getHeader(WebhookHeaders.EVENT_KEY) != null) {
            record(exchange, original, DEAD_LETTERED);
        }
    }

    /**
     * The dead letter of an event deleted by a person while it waited (admin API): written at once (a person's rare
     * request, not a queue consumer's), the latency from the webhook's receipt, the correlation id the request's.
     */
    public void discarded(String provider, String type, long receivedAtMillis, String bookingId,
                          String correlationId) {
        audit.record(provider == null ? "unknown" : provider, type == null || type.isBlank() ? OPERATION
                : OPERATION + ':' + type, DISCARDED, sinceMillis(receivedAtMillis), bookingId, correlationId);
    }

    /** A webhook refused at its signature (or token), on its request: the latency is the time it took to refuse. */
    public void rejected(String provider, Exchange exchange) {
        refused(provider, SIGNATURE_REJECTED, exchange);
    }

    /**
     * A webhook refused for another reason than its signature, {@code outcome} saying which (Google Calendar's
     * {@value WebhookMetrics#PUSH_OFF} and {@value WebhookMetrics#UNKNOWN_CHANNEL}, the reasons its rejections are
     * counted under), on its request: the latency is the time it took to refuse.
     */
    public void refused(String provider, String outcome, Exchange exchange) {
        audit.recordRefusalLater(provider, OPERATION, outcome, sinceMillis(exchange.getClock().getCreated()),
                CorrelationId.of(exchange));
    }

    /**
     * A delivery refused although its sender proved itself (a Payrexx delivery with the right token whose body names
     * no transaction): with the events' rows, not in the refusals' buffer, whose floods of probes must not push out the
     * sign of a provider that changed its format.
     */
    public void unreadable(String provider, String outcome, Exchange exchange) {
        audit.recordLater(provider, OPERATION, outcome, sinceMillis(exchange.getClock().getCreated()), null,
                CorrelationId.of(exchange));
    }

    /**
     * A webhook refused before any route ran (a servlet filter's: a Payrexx POST to a path no route serves), under the
     * request's correlation id; refused at once, its latency 0.
     */
    public void refused(String provider, String outcome, String correlationId) {
        audit.recordRefusalLater(provider, OPERATION, outcome, 0, correlationId);
    }

    private void record(Exchange exchange, Message event, String outcome) {
        String provider = event.getHeader(WebhookHeaders.PROVIDER, String.class);
        String type = event.getHeader(WebhookHeaders.EVENT_TYPE, String.class);
        String booking = BookingIds.ofEvent(event.getHeader(WebhookHeaders.BOOKING_ID, String.class));
        audit.recordLater(provider == null ? "unknown" : provider, type == null || type.isBlank() ? OPERATION
                : OPERATION + ':' + type, outcome, sinceMillis(receivedAt(event)),
                booking != null ? booking : BookingMdc.current(), CorrelationId.of(exchange));
    }

    /**
     * When the webhook was received (its request's start, epoch milliseconds), as the ingress wrote it on the event;
     * an event queued without it (before this version, or by the Payrexx refund watch) was received when it was
     * queued (JMSTimestamp).
     */
    private static long receivedAt(Message event) {
        Long received = event.getHeader(WebhookHeaders.RECEIVED_AT, Long.class);
        if (received == null) {
            received = event.getHeader("JMSTimestamp", Long.class);
        }
        return received == null ? System.currentTimeMillis() : received;
    }

    /** Never below zero: the event may have been received by another instance, whose clock differs a little. */
    private static long sinceMillis(long epochMillis) {
        return Math.max(0, System.currentTimeMillis() - epochMillis);
    }
}
