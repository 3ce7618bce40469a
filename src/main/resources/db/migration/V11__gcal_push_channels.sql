-- Google Calendar push channels (events.watch on the hub's calendar). A row is written before the watch call, so a
-- notification Google sends at once on the new channel (its "sync") finds it; resource_id is set from Google's
-- answer. A channel is known to the webhook until it expires or is stopped (stopped_at): the previous one stays
-- known while a renewal replaces it. The token is configuration (a secret) and is not stored.
CREATE TABLE gcal_push_channel (
    id          VARCHAR(64)   NOT NULL PRIMARY KEY,
    calendar_id VARCHAR(1024) NOT NULL,
    address     VARCHAR(2000) NOT NULL,
    resource_id VARCHAR(255),
    expires_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    stopped_at  TIMESTAMP WITH TIME ZONE
);

CREATE INDEX gcal_push_channel_expires_idx ON gcal_push_channel (expires_at);
