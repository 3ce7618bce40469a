-- How much of the booking's payment the refunds made outside the hub refunded when Stripe's charge.refunded was last
-- handled (BookingSaga#paymentRefundedOutside: the payment's refunds without the hub's mark, less the hub's own
-- refund_reference), set under the booking's row lock in the transaction that records it. Only a different amount is
-- recorded again (reason, mark, log, counter): the hub's own later refund's charge.refunded lists the same refund made
-- by hand again, and a person may have cleared its mark meanwhile. NULL: none seen (or a booking handled before V24).
ALTER TABLE booking ADD COLUMN refunded_outside_amount BIGINT;
