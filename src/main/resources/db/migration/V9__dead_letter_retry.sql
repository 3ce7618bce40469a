-- When a dead letter of a passing failure (a provider down, its circuit open, a rate limit) is replayed on its own;
-- null: it waits for a person (a failure that another try would not mend, or its automatic replays used up).
ALTER TABLE dead_letter ADD COLUMN retry_at TIMESTAMP WITH TIME ZONE;

CREATE INDEX dead_letter_retry_idx ON dead_letter (status, retry_at);
