-- A booking left for a person to settle by hand (BookingSaga.leftForAPerson: a payment that arrived disputed or partly
-- refunded and could be neither confirmed nor refunded): since when, and why. Kept whatever happens to the booking
-- afterwards (a later payment rewrites its status_reason) until a person clears it through the admin API
-- (POST /api/v1/admin/bookings/{id}/attention/clear). Counted in connectify_bookings_needing_attention.
-- NULL: nothing to settle by hand.
ALTER TABLE booking ADD COLUMN attention_since TIMESTAMP WITH TIME ZONE;
ALTER TABLE booking ADD COLUMN attention_note VARCHAR(500);
CREATE INDEX booking_attention_idx ON booking (attention_since);
