package io.connectify.hub.booking;

import java.time.Instant;
import java.time.OffsetDateTime;

import io.connectify.hub.calendar.TimeRange;

/**
 * A booking as stored and as returned by the API (times shown in the hub's time zone). {@code paidAmount} is set
 * once a provider reported the payment that pays it ({@code paymentReference} then names that payment; before, the
 * checkout session or payment page it waits for).
 */
public record Booking(String id, BookingStatus status, OffsetDateTime start, OffsetDateTime end,
                      int durationMinutes, long amount, String currency, Customer customer, String summary,
                      String description, String provider, String paymentUrl, String calendarEventId,
                      Instant holdExpiresAt, Instant createdAt, String paymentReference, String statusReason,
                      Long paidAmount) {

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
