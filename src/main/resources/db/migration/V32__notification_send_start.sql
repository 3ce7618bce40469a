-- A send of a queued notification that has begun and not yet recorded its outcome: one row per send, when it began
-- (the system clock, as the providers'). The send writes it in a transaction of its own while it holds the
-- notification's row lock (NotificationDelivery), committed before the provider is called, and deletes it with its
-- outcome, in the transaction that releases the lock. So a row is never seen by another copy of the notification
-- while its send is under way: that copy waits on the row lock first. A row another send finds under the lock
-- belongs to a send that ended without its outcome (the hub stopped during it, its commit failed): taken as a lost
-- answer (notification.answer_lost_at, answers_lost) and deleted. Replaces notification.send_started_at (V28),
-- which was committed before the lock was taken, so that a second copy coming in between took a send under way for
-- a lost one; a start left there by an earlier version is still taken as a lost answer.
-- No foreign key on purpose: its check would wait on the notification's row lock, which the send itself holds.
CREATE TABLE notification_send_start (
    id              VARCHAR(36) NOT NULL PRIMARY KEY,
    notification_id VARCHAR(36) NOT NULL,
    started_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX notification_send_start_notification_idx ON notification_send_start (notification_id);
