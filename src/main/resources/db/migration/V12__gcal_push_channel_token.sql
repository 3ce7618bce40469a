-- The SHA-256 (hex) of the token a push channel was opened with, never the token itself: a renewal replaces a channel
-- opened with another token (the token was changed) as it does one to another address. Null for channels opened
-- before this column: they are replaced too.
ALTER TABLE gcal_push_channel ADD COLUMN token_sha256 VARCHAR(64);
