-- A Stripe payment disputed (charge.dispute.created) before the hub recorded it on the booking its Payment Intent names,
-- while that booking still waited for a payment (BookingSaga#disputedBeforeItsPayment): which payment. Stripe's
-- payment events (checkout.session.completed, payment_intent.succeeded) say nothing of a dispute, so this is what
-- tells the payment's own events, handled later, that it is disputed: one that cannot pay for its booking (short,
-- another currency, its slot taken, the appointment begun) is left for a person as the dispute left it, never
-- refunded (with the chargeback the customer would be paid back twice; Stripe may refuse the refund), as a Payrexx
-- payment that arrived disputed is. NULL: none seen.
ALTER TABLE booking ADD COLUMN dispute_seen_payment VARCHAR(255);
