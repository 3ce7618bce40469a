-- The answers of REST POSTs sent with an Idempotency-Key, per caller (a hash of its API key, never the key), so a
-- request retried after its answer was lost gets that answer instead of doing its work a second time. A row without
-- a status is a request still being processed; claim names the request that holds the key, so one whose claim was
-- taken over (it ran past STALE) cannot overwrite or delete its successor's.
CREATE TABLE api_idempotency (
    caller          VARCHAR(64)     NOT NULL,
    idempotency_key VARCHAR(255)    NOT NULL,
    target          VARCHAR(2100)   NOT NULL,
    fingerprint     VARCHAR(64)     NOT NULL,
    claim           VARCHAR(36)     NOT NULL,
    status          INTEGER,
    content_type    VARCHAR(200),
    location        VARCHAR(2000),
    body            VARCHAR(100000),
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (caller, idempotency_key)
);

CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);
