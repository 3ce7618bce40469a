-- When the hub first asked the provider for the refund of a cancelled booking's payment and did not learn the outcome
-- (a timeout, a 5xx, a dropped connection, a failure after the call: the provider may have made it), set as that
-- attempt failed; NULL: every attempt was refused (400, 401, 403, 404) or never sent (the circuit open, the hub's
-- rate limiter), or none failed. Read when a Payrexx payment of a booking whose refund a person settled by hand shows
-- refunded (BookingSaga#paymentRefundedAfterSettled): Payrexx refunds carry no mark, so only a booking with such an
-- attempt may have been paid back twice by the hub's own refund; any other is the person's own refund (in Payrexx's
-- back office, say). Before, every one was taken for the hub's.
ALTER TABLE booking ADD COLUMN refund_answer_lost_at TIMESTAMP WITH TIME ZONE;

-- Bookings waiting for their refund, or settled by hand, when this ran: what their earlier attempts did is not known,
-- so they are taken as before (one may have gone through), since their last change.
UPDATE booking SET refund_answer_lost_at = updated_at
    WHERE status = 'CANCELLED' AND (status_reason IN ('cancelled: refund pending',
        'cancelled before its confirmation: refund pending') OR status_reason LIKE 'cancelled: refund settled by hand%'
        OR status_reason LIKE 'cancelled before its confirmation: refund settled by hand%');
