-- How the hub classed a refund made through its own refund endpoint (POST /payments/refunds, Stripe metadata
-- connectify=api) of a booking's payment, the first time a charge.refunded listed it (BookingSaga#recordOutside):
-- outside the hub (true: made while the booking was confirmed, or cancelled with no refund of the hub's to come, so a
-- person's paying back, recorded and marked as a Dashboard refund) or the hub's own (false: an operator's paying back
-- a booking waiting for, or failed in, its refund). Written under the booking's row lock in the transaction that
-- records the refund; read by every later charge.refunded, so a refund is never classed again by the status the
-- booking has by then (a part refunded while confirmed, then a cancel in time: the hub's refund's echo took the
-- operator's part for its own, and its note of a refund outside the hub was undone). A refund listed before this ran is
-- classed when it is next listed, as before. A handful of rows per booking at most, bookings are never deleted: no
-- retention.
-- Keyed by the booking and the refund (read by the booking, under its row lock): a refund id is Stripe's, unique there,
-- but nothing here needs it unique across bookings.
CREATE TABLE booking_api_refund (
    booking_id VARCHAR(36) NOT NULL,
    refund_id  VARCHAR(255) NOT NULL,
    outside    BOOLEAN NOT NULL,
    seen_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (booking_id, refund_id)
);
