-- What the lookup after a lost answer looks for, besides when the first attempt began (answer_lost_at, V27): when
-- the latest attempt whose answer was lost ended (logged with the lookup; not a bound of it, as Twilio may create a
-- message after the hub gave up waiting); and the SHA-256 (hex) of the text that attempt sent, since a later
-- send renders its text again (a payment-mismatch notice tells whether its booking is still held) and must find the
-- message Twilio took by the text it was sent with. The system clock's time, as Twilio's. NULL: not known (an answer
-- lost before V31: looked for up to now, by the text as it is now).
ALTER TABLE notification ADD COLUMN answer_lost_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE notification ADD COLUMN answer_lost_digest VARCHAR(64);
