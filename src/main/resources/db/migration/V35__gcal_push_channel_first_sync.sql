-- When a push channel's first notification arrived (Google's "sync", sent right after it opens a channel): a channel
-- with none connectify.gcal.push.first-sync-within after its watch is taken as not delivering, counted, logged and
-- replaced. Channels opened before this column are taken as having sent theirs (when is not known).
ALTER TABLE gcal_push_channel ADD COLUMN first_sync_at TIMESTAMP WITH TIME ZONE;
UPDATE gcal_push_channel SET first_sync_at = created_at;
