-- A Stripe payment seen refunded (charge.refunded naming the booking: a Charge carries its Payment Intent's metadata)
-- before the hub recorded it on the booking, which was still unpaid and payable (PENDING_PAYMENT, EXPIRED,
-- PAYMENT_FAILED): which payment, and when (BookingSaga#paymentRefundedOutside). The payment's event, handled later,
-- looks its refunds up before confirming: refunded in full, the booking becomes REFUNDED, never confirmed; in part,
-- it is confirmed and the part refunded outside the hub recorded. Cleared once acted on. NULL: nothing seen.
ALTER TABLE booking ADD COLUMN refund_seen_payment VARCHAR(255);
ALTER TABLE booking ADD COLUMN refund_seen_at TIMESTAMP WITH TIME ZONE;
