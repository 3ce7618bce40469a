-- The booking's start a notification tells of, as it was planned: a notice queued again (by the recovery sweep, by a
-- repeated payment event) is rebuilt from its row, and says what it said then (a confirmation its booking's time
-- before a move, which the sender then skips as superseded), not the booking's time now. NULL: a notification of no
-- booking, or one logged before V18.
ALTER TABLE notification ADD COLUMN booking_start TIMESTAMP WITH TIME ZONE;
