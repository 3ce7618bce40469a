-- What a failed put-back recorded by V41 undoes, for the flag a person gets once the sweep
-- booking-retry-event-put-backs gives up (connectify.booking.event-put-back.retry-for): 'cancel', a cancel that
-- failed after Google may have taken it (the event "Cancelled: …" and free under mark-cancelled, perhaps deleted under
-- delete); 'move', a reschedule whose PATCH Google may have taken and whose move back failed (the event at the time
-- the move asked for); 'stale', a change of the event a stopped instance left marked under way (moving_since older
-- than the change timeout), which of the two unknown. The sweep puts the event back as the booking has it (summary,
-- busy, status confirmed, its time) whichever it is. NULL: a record from before V43, a cancel's. Before, a failed move
-- back was only logged, and a cancel's possible DELETE was neither recorded nor undone.
ALTER TABLE booking ADD COLUMN event_put_back_from VARCHAR(16);
-- the sweep also reads the bookings whose change marker is stale
CREATE INDEX booking_moving_since_idx ON booking (moving_since);
