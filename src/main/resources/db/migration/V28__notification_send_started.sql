-- send_started_at: when a send of a notification began (the system clock, as the providers'), committed before the
-- provider is called and cleared once the send's failure is recorded. A send that leaves it set with the
-- notification still unsent never recorded its outcome (the hub stopped during it, its commit failed): the next send
-- takes that start as an answer lost (answer_lost_at), so it looks the SMS up before it sends again.
-- answers_lost: how many sends' answers the provider lost for that notification (SendGrid has no lookup: an email is
-- sent again after that many only within connectify.sendgrid.resends-after-lost-answer). NULL / 0: none.
ALTER TABLE notification ADD COLUMN send_started_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE notification ADD COLUMN answers_lost INTEGER DEFAULT 0 NOT NULL;
