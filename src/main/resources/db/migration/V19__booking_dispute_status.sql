-- The state of a dispute (a chargeback) of the payment that paid a booking, whatever the booking's status: open (the
-- customer's bank holds the amount until it is decided), won, lost (the bank has taken the payment back) or
-- warning_closed (the bank's inquiry ended without a dispute); NULL: no dispute known. dispute_status_at: when it was
-- last set. The saga decides from it whether a refund of the booking's payment is made (never while a dispute is open
-- or once it is lost: the customer would be paid back twice, or there is nothing left to refund), where it read the
-- booking's status reason before.
ALTER TABLE booking ADD COLUMN dispute_status VARCHAR(20);
ALTER TABLE booking ADD COLUMN dispute_status_at TIMESTAMP WITH TIME ZONE;

-- Bookings disputed before V19 had their dispute only in their status reason (parts joined by '; ', a re-check's flag
-- first): the state is taken from there once, so the saga need not read the text any more.
UPDATE booking SET dispute_status = 'open', dispute_status_at = updated_at
WHERE paid_amount IS NOT NULL AND (status_reason LIKE 'the customer disputes the payment%'
    OR status_reason LIKE '%; the customer disputes the payment%'
    OR status_reason LIKE 'cancelled, its refund stopped: the customer disputes the payment%'
    OR status_reason = 'cancelled while its payment is disputed: not refunded, the dispute decides');
UPDATE booking SET dispute_status = 'lost', dispute_status_at = updated_at
WHERE paid_amount IS NOT NULL AND (status_reason LIKE 'the payment dispute was lost%'
    OR status_reason LIKE '%; the payment dispute was lost%'
    OR status_reason = 'cancelled after its payment dispute was lost: nothing to refund');
UPDATE booking SET dispute_status = 'won', dispute_status_at = updated_at
WHERE paid_amount IS NOT NULL AND (status_reason LIKE 'the payment dispute was won%'
    OR status_reason LIKE '%; the payment dispute was won%');
UPDATE booking SET dispute_status = 'warning_closed', dispute_status_at = updated_at
WHERE paid_amount IS NOT NULL AND (status_reason LIKE 'the customer''s bank closed its inquiry without a dispute%'
    OR status_reason LIKE '%; the customer''s bank closed its inquiry without a dispute%');
