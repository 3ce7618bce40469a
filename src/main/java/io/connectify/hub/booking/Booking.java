package io.connectify.hub.booking;

import java.time.Instant;
import java.time.OffsetDateTime;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.connectify.hub.calendar.TimeRange;

/**
 * A booking as stored and as returned by the API (times shown in the hub's time zone). {@code paidAmount} is set
 * once a provider reported the payment that pays it ({@code paymentReference} then names that payment; before, the
 * checkout session or payment page it waits for). {@code refundSeenBeforePayment}: the row's mark of V25 (a payment of
 * the booking seen refunded before one was recorded on it, not acted on yet), read with the row so that the saga needs
 * no query of its own for it; {@code disputeSeenPayment}: likewise V29's (the latest Stripe payment disputed before it
 * was recorded on the booking; null for none, so that a payment's confirmation asks for V33's rows of every such
 * payment only when there are some). The saga's, not the API's (never in the JSON).
 */
public record Booking(String id, BookingStatus status, OffsetDateTime start, OffsetDateTime end,
                      int durationMinutes, long amount, String currency, Customer customer, String summary,
                      String description, String provider, String paymentUrl, String calendarEventId,
                      Instant holdExpiresAt, Instant createdAt, String paymentReference, String statusReason,
                      Long paidAmount, @JsonIgnore boolean refundSeenBeforePayment,
                      @JsonIgnore String disputeSeenPayment) {

    /** A booking without the mark of a payment disputed before it was recorded (V29). */
    public Booking(String id, BookingStatus status, OffsetDateTime start, OffsetDateTime end, int durationMinutes,
                   long amount, String currency, Customer customer, String summary, String description,
                   String provider, String paymentUrl, String calendarEventId, Instant holdExpiresAt,
                   Instant createdAt, String paymentReference, String statusReason, Long paidAmount,
                   boolean refundSeenBeforePayment) {
        this(id, status, start, end, durationMinutes, amount, currency, customer, summary, description, provider,
                paymentUrl, calendarEventId, holdExpiresAt, createdAt, paymentReference, statusReason, paidAmount,
                refundSeenBeforePayment, null);
    }

    /** A booking without the mark of a refund seen before its payment (V25), as every booking starts. */
    public Booking(String id, BookingStatus status, OffsetDateTime start, OffsetDateTime end, int durationMinutes,
                   long amount, String currency, Customer customer, String summary, String description,
                   String provider, String paymentUrl, String calendarEventId, Instant holdExpiresAt,
                   Instant createdAt, String paymentReference, String statusReason, Long paidAmount) {
        this(id, status, start, end, durationMinutes, amount, currency, customer, summary, description, provider,
                paymentUrl, calendarEventId, holdExpiresAt, createdAt, paymentReference, statusReason, paidAmount,
                false, null);
    }

    /** A new pending booking, before any payment. */
    public static Booking pending(String id, OffsetDateTime start, OffsetDateTime end, Price price, Customer customer,
                                  String summary, String description, String provider, Instant holdExpiresAt,
                                  Instant createdAt) {
        return new Booking(id, BookingStatus.PENDING_PAYMENT, start, end, price.durationMinutes(), price.amount(),
                price.currency(), customer, summary, description, provider, null, null, holdExpiresAt, createdAt,
                null, null, null);
    }

    /** Paid, by the payment {@code paymentReference} names. */
    public boolean paid() {
        return paidAmount != null;
    }

    public TimeRange range() {
        return new TimeRange(start.toInstant(), end.toInstant());
    }
}
