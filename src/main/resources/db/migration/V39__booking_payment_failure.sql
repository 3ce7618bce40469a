-- A delayed payment's failure remembered per booking and payment (the Checkout Session or Payment Intent it names),
-- so that its processing event, delivered after it (Stripe does not order events; a dead letter replayed late), does
-- not hold the slot for a payment known failed (V38 recorded the processing only: a failure handled first found no
-- row and was forgotten, and the processing event then held the slot for the processing hold, 21 days). A Checkout
-- Session's failure (checkout.session.async_payment_failed) is final whenever it was created (session_failed): it
-- always follows the session's completion. A Payment Intent's (payment_intent.payment_failed) fails a processing
-- event created before it (failure_created, Stripe's created of the newest such failure, in whole seconds); one
-- created in the same second is judged by the Payment Intent's status at Stripe. Written under the slot lock.
CREATE TABLE booking_payment_failure (
    booking_id      VARCHAR(36)               NOT NULL,
    payment_ref     VARCHAR(255)              NOT NULL,
    session_failed  BOOLEAN                   NOT NULL,
    failure_created TIMESTAMP WITH TIME ZONE,
    recorded_at     TIMESTAMP WITH TIME ZONE  NOT NULL,
    CONSTRAINT booking_payment_failure_pk PRIMARY KEY (booking_id, payment_ref)
);
