-- Whether the refunds the hub makes of a booking's payment carry its mark (Stripe metadata connectify=booking and
-- the bookingId, PaymentCommands.stripeRefund): TRUE for every booking made from V23 on (the default), and for an
-- older one once the hub sends it a marked refund (set as the refund is sent, so a lost answer leaves it set).
-- NULL (or FALSE): a booking made before, whose refund may predate the mark: a failed refund of its payment without
-- the mark may be the hub's own, and the payment decides (BookingSaga#refundFailed), not the missing mark.
ALTER TABLE booking ADD COLUMN refund_marked BOOLEAN;
ALTER TABLE booking ALTER COLUMN refund_marked SET DEFAULT TRUE;

-- When the watch on Payrexx refunds under way (PayrexxRefundWatch) last looked at the booking's refund, and the
-- transaction's status Payrexx showed then: each run takes the bookings looked at longest ago (never first), so more
-- than a run's batch are all looked at in turn; a status is acted on only when it differs from the one seen last (a
-- refunded one queued once, another settled one marked for a person once). NULL: never looked at (or not answered).
ALTER TABLE booking ADD COLUMN refund_checked_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE booking ADD COLUMN refund_checked_status VARCHAR(40);

-- The refunds awaiting their provider, counted on every scrape (connectify_refunds_awaiting_provider{,_oldest_seconds})
-- and listed by the watch: REFUNDED bookings by provider and status reason. A partial index (WHERE status =
-- 'REFUNDED') would be smaller on PostgreSQL, but H2 has none and every migration here runs on both: a plain one.
CREATE INDEX booking_refund_awaiting_idx ON booking (status, provider, status_reason, updated_at);
