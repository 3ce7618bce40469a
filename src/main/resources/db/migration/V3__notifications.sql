-- Every notification the hub sends, with the provider's reference and its delivery status.
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
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX notification_booking_idx ON notification (booking_id);
CREATE INDEX notification_reference_idx ON notification (provider_reference);

-- the customer's time zone, for times shown in notifications
ALTER TABLE booking ADD COLUMN customer_time_zone VARCHAR(64);

-- Twilio may report a status before the hub has recorded the message's SID: such callbacks wait here.
CREATE TABLE notification_callback (
    provider_reference VARCHAR(100) NOT NULL,
    status             VARCHAR(20)  NOT NULL,
    error_code         VARCHAR(20),
    received_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (provider_reference, status)
);
