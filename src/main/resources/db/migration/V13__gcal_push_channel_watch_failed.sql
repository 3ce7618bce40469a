-- When the watch request that was to open a push channel failed (a timeout, a 5xx, a refusal of its retry), the
-- channel's row is kept and marked here instead of deleted: Google may have opened the channel all the same, its
-- answer lost, and it would then send until it expires. Its notifications are taken and their resource id recorded
-- (resource_id), so that the renewal can stop it (channels.stop needs both ids). Null while the request is under way
-- (the new channel's first notification may come before Google's answer) and once Google has answered.
ALTER TABLE gcal_push_channel ADD COLUMN watch_failed_at TIMESTAMP WITH TIME ZONE;
