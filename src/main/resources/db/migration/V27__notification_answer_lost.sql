-- When the first attempt began of the earliest send of a notification whose answer the provider lost (Twilio took it
-- or not, unknown): kept past the failed send's rollback, so that every later send of it (a queue redelivery, a dead
-- letter's replay, the recovery sweep's re-queue) first looks in Twilio's Messages list since then, and sends only
-- once the list says Twilio does not have it. The system clock's time, as Twilio's. NULL: no answer lost.
ALTER TABLE notification ADD COLUMN answer_lost_at TIMESTAMP WITH TIME ZONE;
