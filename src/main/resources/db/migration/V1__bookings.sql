-- Bookings and the lock row that serialises slot reservations across threads and hub instances.
-- Portable SQL: runs on H2 (embedded default) and PostgreSQL (production).
CREATE TABLE booking (
    id                VARCHAR(36)   NOT NULL PRIMARY KEY,
    status            VARCHAR(20)   NOT NULL,
    start_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    end_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    duration_minutes  INTEGER       NOT NULL,
    amount            BIGINT        NOT NULL,
    currency          VARCHAR(3)    NOT NULL,
    customer_name     VARCHAR(200)  NOT NULL,
    customer_email    VARCHAR(254)  NOT NULL,
    customer_phone    VARCHAR(16),
    customer_locale   VARCHAR(8),
    summary           VARCHAR(200)  NOT NULL,
    description       VARCHAR(4000),
    provider          VARCHAR(20),
    payment_url       VARCHAR(2000),
    calendar_event_id VARCHAR(1024),
    hold_expires_at   TIMESTAMP WITH TIME ZONE,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT booking_range CHECK (end_at > start_at),
    CONSTRAINT booking_amount CHECK (amount >= 0)
);

CREATE INDEX booking_start_idx ON booking (start_at);
CREATE INDEX booking_status_idx ON booking (status, hold_expires_at);

CREATE TABLE booking_lock (
    name VARCHAR(32) NOT NULL PRIMARY KEY
);

INSERT INTO booking_lock (name) VALUES ('slots');
