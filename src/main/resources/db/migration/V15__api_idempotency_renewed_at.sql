-- A request's claim on its Idempotency-Key is renewed while the request runs (every
-- connectify.http.idempotency-claim-renewal, by the instance that runs it), so that the claim of a request whose
-- instance died can be taken over after a short connectify.http.idempotency-claim-timeout, however long a live request
-- may run. renewed_at is the claim's last renewal; created_at stays the time of the claim, from which its answer's
-- lifetime counts. NULL: a claim made by an instance without renewals (before V15), whose created_at counts instead.
ALTER TABLE api_idempotency ADD COLUMN renewed_at TIMESTAMP WITH TIME ZONE;

-- Each renewal finds the claims it renews by their claim (one UPDATE for all of an instance's running requests):
-- without an index it would read the whole table, a day's keys, every few seconds on every instance.
CREATE INDEX api_idempotency_claim_idx ON api_idempotency (claim);
