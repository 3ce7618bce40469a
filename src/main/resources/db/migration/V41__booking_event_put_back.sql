-- A confirmed booking whose calendar event a failed cancel left "Cancelled: …" and free (mark-cancelled) and whose
-- put-back Google failed too: event_put_back_change, the number (move_count) of the change of its event that failed
-- to put it back, and event_put_back_since, when the first put-back failed. The sweep booking-retry-event-put-backs
-- puts the event back while the booking is still CONFIRMED (a cancel made since is never undone), under a change of
-- its own, and clears both, as a put-back by the re-check or a failed cancel does; a put-back failing again moves
-- event_put_back_change to its change, the time kept. It clears them too once the booking is no longer confirmed, and
-- after connectify.booking.event-put-back.retry-for flags the booking for a person instead.
-- NULL: nothing to put back. Before, only the calendar re-check put such an event back, and only with push on.
ALTER TABLE booking ADD COLUMN event_put_back_change INTEGER;
ALTER TABLE booking ADD COLUMN event_put_back_since TIMESTAMP WITH TIME ZONE;
CREATE INDEX booking_event_put_back_idx ON booking (event_put_back_since);
