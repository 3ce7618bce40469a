-- A move of a booking's calendar event through the hub (a reschedule) is recorded before Google is asked to move the
-- event, since Google shows the new time from then on and the booking only once the move commits: moving_since while
-- it is under way (cleared once it has committed or been undone), move_count counting every one begun. A re-check of
-- the bookings' events leaves a booking alone while its move is under way, and changes it only if no move began since
-- it read the booking, so it never takes the hub's own move for one made in Google.
ALTER TABLE booking ADD COLUMN moving_since TIMESTAMP WITH TIME ZONE;
ALTER TABLE booking ADD COLUMN move_count INTEGER DEFAULT 0 NOT NULL;
