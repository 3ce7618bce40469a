-- The booking and the correlation id of an audited provider call or webhook event, where known (both nullable: rows
-- written before, or a call no booking or exchange is behind): one booking's calls and events are picked out by
-- booking_id, and a call is tied to the request or webhook that caused it by correlation_id.
ALTER TABLE integration_audit ADD COLUMN booking_id VARCHAR(36);
ALTER TABLE integration_audit ADD COLUMN correlation_id VARCHAR(64);

CREATE INDEX integration_audit_booking_idx ON integration_audit (booking_id);
