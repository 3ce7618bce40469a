-- The idempotent key of a dead-lettered event that was processed but whose key could not be recorded (the database
-- refusing its insert through every retry); null for any other dead letter. While such a letter is STORED, a copy of
-- its event (a provider's redelivery) counts as a duplicate; its replay records the key before sending it back.
ALTER TABLE dead_letter ADD COLUMN unrecorded_key VARCHAR(255);

CREATE INDEX dead_letter_unrecorded_key_idx ON dead_letter (unrecorded_key);
