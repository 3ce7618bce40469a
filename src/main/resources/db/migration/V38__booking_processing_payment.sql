-- Each delayed payment (a SEPA debit) processing for a waiting booking, one row per payment: the Checkout Session
-- (checkout.session.completed unpaid) or the Payment Intent (payment_intent.processing) its event named, and the
-- session's Payment Intent (payment_intent; the same id for a Payment Intent's own row). The longer hold such a payment
-- gets (connectify.booking.processing-hold) lasts while one of them is recorded: a payment's final failure marks its
-- row, and the last one's ends that hold; the booking's own page's failure ends the booking only when none other is
-- left. A failed payment's row stays, failed_at set: the booking's own page failed for good is known when the last
-- other payment fails (PAYMENT_FAILED then, its customer told). event_created is Stripe's created of the event that
-- recorded it: a failure created before it (an older decline delivered late) fails nothing. Written under the slot
-- lock, as the hold. Rows of a booking no longer waiting are deleted by the retention sweep. Bookings extended before
-- this ran have no row: their hold runs out as before.
CREATE TABLE booking_processing_payment (
    booking_id      VARCHAR(36)               NOT NULL,
    payment_ref     VARCHAR(255)              NOT NULL,
    payment_intent  VARCHAR(255)              NOT NULL,
    recorded_at     TIMESTAMP WITH TIME ZONE  NOT NULL,
    event_created   TIMESTAMP WITH TIME ZONE,
    failed_at       TIMESTAMP WITH TIME ZONE,
    CONSTRAINT booking_processing_payment_pk PRIMARY KEY (booking_id, payment_ref)
);
CREATE INDEX booking_processing_payment_intent ON booking_processing_payment (payment_intent);
