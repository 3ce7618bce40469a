-- Payment reference of a booking, and the idempotent consumer's store of processed webhook events.
ALTER TABLE booking ADD COLUMN payment_reference VARCHAR(255);
ALTER TABLE booking ADD COLUMN paid_amount BIGINT;
ALTER TABLE booking ADD COLUMN status_reason VARCHAR(200);

CREATE INDEX booking_payment_ref_idx ON booking (payment_reference);

-- Table and columns as Camel's JdbcMessageIdRepository expects them; shared by all hub instances.
CREATE TABLE CAMEL_MESSAGEPROCESSED (
    processorName VARCHAR(255) NOT NULL,
    messageId     VARCHAR(255) NOT NULL,
    createdAt     TIMESTAMP    NOT NULL,
    PRIMARY KEY (processorName, messageId)
);
