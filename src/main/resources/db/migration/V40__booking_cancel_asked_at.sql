-- When a cancel of the confirmed booking first reached the hub (null: none has). Recorded in a transaction of its own
-- before Google is asked to delete the booking's event: a cancel that Google fails (5xx after the retries, the breaker
-- open) changes nothing else, and the refund's cut-off is judged from the earliest ask recorded, so a customer who
-- cancelled in time during an outage is refunded when the cancel is asked again later. Cleared by a move of the
-- booking (its start changes: a reschedule, or a move the calendar re-check follows from Google). Bookings from before this ran have none: judged from the request's time, as before.
ALTER TABLE booking ADD COLUMN cancel_asked_at TIMESTAMP WITH TIME ZONE;
