-- When the notification recovery sweep queued a notification again (its message lost, or on the broker's DLQ): it
-- does so once per notification
ALTER TABLE notification ADD COLUMN requeued_at TIMESTAMP WITH TIME ZONE;
-- the sweep looks for old queued notifications
CREATE INDEX notification_status_idx ON notification (status, created_at);
