-- Every payment the hub refunded itself because it paid for nothing of its booking (one below the price, in another
-- currency, a second payment, one paid after the slot was taken or the booking cancelled), one row each, kept as long
-- as the booking. A Payrexx dispute of such a payment, weeks or months later (a chargeback), reads it
-- (PayrexxEvents#paymentActedOnOrRefunded) to tell it from a payment the hub never saw. Before, only the payment's
-- idempotency key (payrexx:<id>:confirmed) told it, and the retention sweep deletes those keys after 30 days: the
-- dispute was then left for a person as "neither confirmed nor refunded ...: settle it by hand", inviting a second
-- pay-back. Payments
-- refunded before this ran have no row: the key is still read for them.
CREATE TABLE booking_payment_refunded (
    booking_id   VARCHAR(36)               NOT NULL,
    provider     VARCHAR(32)               NOT NULL,
    payment      VARCHAR(255)              NOT NULL,
    refunded_at  TIMESTAMP WITH TIME ZONE  NOT NULL,
    CONSTRAINT booking_payment_refunded_pk PRIMARY KEY (booking_id, provider, payment)
);
