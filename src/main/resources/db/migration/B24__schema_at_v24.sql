-- Baseline migration: the schema V1..V24 build, in one script, so that a NEW (empty) database is created in one
-- migration instead of 22 (a shorter start). Flyway runs it only on an empty database; one with history ignores it and
-- keeps applying V scripts. It must equal the V chain exactly (columns in the same order, types, defaults,
-- nullability, keys, constraints, indexes, rows): BaselineMigrationTest compares both on H2 and PostgreSQL. The V
-- scripts say why each column and index is there; never edit this script for a new V migration (V25 on applies on
-- top), only a future re-baselining adds a new B script. Portable SQL: runs on H2 (embedded default) and PostgreSQL.

CREATE TABLE booking (
    id                      VARCHAR(36)   NOT NULL PRIMARY KEY,
    status                  VARCHAR(20)   NOT NULL,
    start_at                TIMESTAMP WITH TIME ZONE NOT NULL,
    end_at                  TIMESTAMP WITH TIME ZONE NOT NULL,
    duration_minutes        INTEGER       NOT NULL,
    amount                  BIGINT        NOT NULL,
    currency                VARCHAR(3)    NOT NULL,
    customer_name           VARCHAR(200)  NOT NULL,
    customer_email          VARCHAR(254)  NOT NULL,
    customer_phone          VARCHAR(16),
    customer_locale         VARCHAR(8),
    summary                 VARCHAR(200)  NOT NULL,
    description             VARCHAR(4000),
    provider                VARCHAR(20),
    payment_url             VARCHAR(2000),
    calendar_event_id       VARCHAR(1024),
    hold_expires_at         TIMESTAMP WITH TIME ZONE,
    created_at              TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at              TIMESTAMP WITH TIME ZONE NOT NULL,
    payment_reference       VARCHAR(255),                          -- V2
    paid_amount             BIGINT,
    status_reason           VARCHAR(200),
    customer_time_zone      VARCHAR(64),                           -- V3
    moving_since            TIMESTAMP WITH TIME ZONE,              -- V14
    move_count              INTEGER DEFAULT 0 NOT NULL,
    refund_reference        VARCHAR(255),                          -- V17
    dispute_status          VARCHAR(20),                           -- V19
    dispute_status_at       TIMESTAMP WITH TIME ZONE,
    attention_since         TIMESTAMP WITH TIME ZONE,              -- V20
    attention_note          VARCHAR(500),
    refund_marked           BOOLEAN DEFAULT TRUE,                  -- V23
    refund_checked_at       TIMESTAMP WITH TIME ZONE,
    refund_checked_status   VARCHAR(40),
    refunded_outside_amount BIGINT,                                -- V24
    CONSTRAINT booking_range CHECK (end_at > start_at),
    CONSTRAINT booking_amount CHECK (amount >= 0)
);

CREATE INDEX booking_start_idx ON booking (start_at);
CREATE INDEX booking_status_idx ON booking (status, hold_expires_at);
CREATE INDEX booking_payment_ref_idx ON booking (payment_reference);
CREATE INDEX booking_attention_idx ON booking (attention_since);
CREATE INDEX booking_refund_awaiting_idx ON booking (status, provider, status_reason, updated_at);

CREATE TABLE booking_lock (
    name VARCHAR(32) NOT NULL PRIMARY KEY
);

INSERT INTO booking_lock (name) VALUES ('slots');

CREATE TABLE CAMEL_MESSAGEPROCESSED (
    processorName VARCHAR(255) NOT NULL,
    messageId     VARCHAR(255) NOT NULL,
    createdAt     TIMESTAMP    NOT NULL,
    PRIMARY KEY (processorName, messageId)
);

CREATE INDEX camel_messageprocessed_created_idx ON CAMEL_MESSAGEPROCESSED (createdAt);

CREATE TABLE notification (
    id                 VARCHAR(36)   NOT NULL PRIMARY KEY,
    booking_id         VARCHAR(36),
    kind               VARCHAR(30),
    channel            VARCHAR(10)   NOT NULL,
    recipient          VARCHAR(254)  NOT NULL,
    provider_reference VARCHAR(100),
    status             VARCHAR(20)   NOT NULL,
    error_code         VARCHAR(20),
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    requeued_at        TIMESTAMP WITH TIME ZONE,                   -- V8
    occasion           VARCHAR(100),                               -- V16
    booking_start      TIMESTAMP WITH TIME ZONE                    -- V18
);

CREATE INDEX notification_booking_idx ON notification (booking_id);
CREATE INDEX notification_reference_idx ON notification (provider_reference);
CREATE INDEX notification_status_idx ON notification (status, created_at);

CREATE TABLE notification_callback (
    provider_reference VARCHAR(100) NOT NULL,
    status             VARCHAR(20)  NOT NULL,
    error_code         VARCHAR(20),
    received_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (provider_reference, status)
);

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
    replayed_at   TIMESTAMP WITH TIME ZONE,
    retry_at      TIMESTAMP WITH TIME ZONE                         -- V9
);

CREATE INDEX dead_letter_failed_idx ON dead_letter (failed_at);
CREATE INDEX dead_letter_retry_idx ON dead_letter (status, retry_at);

CREATE TABLE integration_audit (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    provider    VARCHAR(30)  NOT NULL,
    operation   VARCHAR(100) NOT NULL,
    outcome     VARCHAR(40)  NOT NULL,
    latency_ms  BIGINT       NOT NULL,
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX integration_audit_time_idx ON integration_audit (occurred_at);

CREATE TABLE CLUSTER_LOCK (
    LOCK_KEY     CHAR(36)     NOT NULL,
    REGION       VARCHAR(100) NOT NULL,
    CLIENT_ID    CHAR(36),
    CREATED_DATE TIMESTAMP    NOT NULL,
    CONSTRAINT CLUSTER_LOCK_PK PRIMARY KEY (LOCK_KEY, REGION)
);

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
    renewed_at      TIMESTAMP WITH TIME ZONE,                      -- V15
    PRIMARY KEY (caller, idempotency_key)
);

CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);
CREATE INDEX api_idempotency_claim_idx ON api_idempotency (claim);

CREATE TABLE gcal_push_channel (
    id              VARCHAR(64)   NOT NULL PRIMARY KEY,
    calendar_id     VARCHAR(1024) NOT NULL,
    address         VARCHAR(2000) NOT NULL,
    resource_id     VARCHAR(255),
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    stopped_at      TIMESTAMP WITH TIME ZONE,
    token_sha256    VARCHAR(64),                                   -- V12
    watch_failed_at TIMESTAMP WITH TIME ZONE                       -- V13
);

CREATE INDEX gcal_push_channel_expires_idx ON gcal_push_channel (expires_at);
