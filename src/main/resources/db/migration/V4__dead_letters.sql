-- Messages that failed after their retries: the original body and headers, the error, where it failed, so ops can
-- inspect and replay them.
CREATE TABLE dead_letter (
    id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    route_id      VARCHAR(100)  NOT NULL,
    source_queue  VARCHAR(100)  NOT NULL,
    provider      VARCHAR(30),
    body          VARCHAR(100000) NOT NULL,
    headers       VARCHAR(100000) NOT NULL,
    error_type    VARCHAR(200)  NOT NULL,
    error_message VARCHAR(1000),
    attempts      INTEGER       NOT NULL,
    status        VARCHAR(20)   NOT NULL,
    failed_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    replayed_at   TIMESTAMP WITH TIME ZONE
);

CREATE INDEX dead_letter_failed_idx ON dead_letter (failed_at);
