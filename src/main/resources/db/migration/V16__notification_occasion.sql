-- What sets a notification apart from an earlier one of its booking and kind: a move's notice has its target start
-- and time ("<start> at <when>"), part of its id. Kept so that a notice queued again (by the recovery sweep, by a
-- repeated payment event) is the same notice, found by its id, and not a new one of no occasion. NULL: a kind without
-- occasions, or a notice logged before V16.
ALTER TABLE notification ADD COLUMN occasion VARCHAR(100);
