-- Every Stripe payment disputed (charge.dispute.created) before the hub recorded it on the booking its Payment Intent
-- names (BookingSaga#disputedBeforeItsPayment), one row each: V29's column kept one per booking, so a third payment
-- disputed first replaced the second's mark, and the second's own event, handled later, then refunded it into its
-- chargeback. The payment's events read it (BookingSaga#disputedBeforeItsEvent) and never refund such a payment.
-- V29's column is still written (the latest payment so marked) and read: it tells that a booking has any row here, so
-- a payment's confirmation asks this table only then, and an instance of the older version, during a rolling
-- upgrade, writes and reads only it. Its rows written before this ran are copied here.
CREATE TABLE booking_dispute_seen (
    booking_id  VARCHAR(36)   NOT NULL,
    payment     VARCHAR(255)  NOT NULL,
    CONSTRAINT booking_dispute_seen_pk PRIMARY KEY (booking_id, payment)
);

INSERT INTO booking_dispute_seen (booking_id, payment)
    SELECT id, dispute_seen_payment FROM booking WHERE dispute_seen_payment IS NOT NULL;
