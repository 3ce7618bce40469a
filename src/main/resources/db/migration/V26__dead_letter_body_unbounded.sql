-- A dead letter keeps its message's body whole, however large: a Stripe dispute's event carries up to 150,000
-- characters of evidence (connectify.webhooks.max-body-bytes takes it), past VARCHAR(100000), and a dead letter that
-- could not be stored failed its route's dead-letter channel (the message redelivered by the broker until its DLQ).
-- TEXT: PostgreSQL's unbounded text; H2's CLOB. SET DATA TYPE keeps the column's NOT NULL on both.
ALTER TABLE dead_letter ALTER COLUMN body SET DATA TYPE TEXT;
