package io.connectify.hub.notification;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.DatabaseBusy;
import io.connectify.hub.resilience.InvalidRecipientException;
import io.connectify.hub.resilience.LostAnswerMark;
import io.connectify.hub.resilience.ProviderCalls;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.resilience.ResendsAfterLostAnswerUsedUp;
import io.connectify.hub.resilience.ValidationException;
import org.apache.camel.Body;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends a queued notification once, whichever copy of its message comes first. The send runs under the row lock
 * of its notification: a second copy (a saga step that queued again what it found unsent, or another hub
 * instance) waits and then finds it sent; a send that fails leaves it unsent for the redelivery.
 * The provider's reply and the lock's commit are one step apart, as a provider call and a database can only be: so
 * each send's start is committed before the provider is called ({@link NotificationLog#sendStarting}), in a
 * transaction of its own while the send holds the row lock, and a send that never recorded its outcome (the hub
 * stopped during it, its commit failed) is taken by the next as a lost answer. A copy that finds the row held past
 * the lock timeout is left to the broker's redelivery ({@link NotificationBusy}, {@link QueuedNotificationSender}).
 * Twilio status callbacks parked while the SID was uncommitted are applied after the commit, and again by any later
 * copy of the message: one whose apply failed is applied by the message's redelivery. A send that lost the provider's
 * answer is remembered on the row all the same ({@link NotificationLog#answerLost}): every later send of it looks
 * the message up before it sends ({@link ProviderCalls#LOST_ANSWER}), or, an email (SendGrid cannot be asked), is
 * sent again only so many times ({@link SendGridResends}) and then left failed for a person.
 */
@Component("notificationDelivery")
public class NotificationDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationDelivery.class);
    /** The attention note of a booking whose email's answers were lost (%s its kind, %d how many). */
    static final String ANSWERS_LOST_NOTE = "its %s email went to SendGrid %d times without an answer and is not sent "
            + "again: it may have gone out; check SendGrid's activity and send it by hand if it did not";

    private final NotificationLog log;
    private final NotificationPlanner planner;
    private final TransactionTemplate transactions;
    private final TransactionTemplate ownTransaction;
    private final ProducerTemplate template;
    private final ProviderResilience resilience;
    private final BookingRepository bookings;
    private final Clock clock;

    public NotificationDelivery(NotificationLog log, NotificationPlanner planner, TransactionTemplate transactions,
                                ProducerTemplate template, ProviderResilience resilience, BookingRepository bookings,
                                Clock clock) {
        this.log = log;
        this.planner = planner;
        this.transactions = transactions;
        this.ownTransaction = new TransactionTemplate(transactions.getTransactionManager());
        ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.template = template;
        this.resilience = resilience;
        this.bookings = bookings;
        this.clock = clock;
    }

    public void sendOnce(@Body Notification n) {
        // a message queued without its booking's header (by a version before it, or a dead letter stored then) names
        // its booking all the same: its lines and its audit row carry the id
        try (var named = BookingMdc.naming(n.bookingId())) {
            sendNamed(n);
        }
    }

    private void sendNamed(Notification n) {
        AtomicReference<GivingUp> givingUp = new AtomicReference<>();
        Outcome outcome;
        try {
            outcome = transactions.execute(status -> sendLocked(n, givingUp));
        } catch (RuntimeException failed) {
            if (givingUp.get() != null) {
                // a give-up that rolled back (its booking's mark waited past the lock timeout): its start left, the
                // redelivery took it as one more answer lost ("went to SendGrid 3 times" of an email sent twice).
                // The answers its call's mark counts recorded instead; the redelivery gives up again, and marks then
                givenUpRolledBack(n, givingUp.get(), failed);
            }
            throw failed;
        }
        if (outcome.givenUp()) {
            log.countAnswersLostForGood(n); // once committed: a give-up that rolled back is not counted
        }
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        if (outcome.sid() != null) {
            log.applyParkedCallbacks(outcome.sid()); // status callbacks that came while the SID was not yet committed
        }
    }

    /**
     * A direct send (POST /notifications/sms, /email): logged unless it is already (a repeat of the request under the
     * same Idempotency-Key, its id derived from it: NotificationApi), and sent under the queued sends' start: the start
     * committed with the row's look before the provider is called, the outcome recorded after, each in a short
     * transaction of its own (no connection held while the provider answers, as a request thread would hold one). A
     * repeat that finds the send recorded answers it, sending nothing; one that finds a start left (the hub stopped
     * during the first's send, which the repeat took over once its Idempotency-Key's claim ran out) or a lost answer
     * recorded (the first answered 502) looks the SMS up at Twilio before it sends, or counts the email's resends, as
     * a queued notification's redelivery does. Two runs of one key at once are what the key's claim prevents.
     * Answers what the provider took; throws its failure once that is recorded.
     */
    public SentNotification sendNow(@Body Notification n) {
        AtomicReference<SentNotification> recorded = new AtomicReference<>();
        String start = UUID.randomUUID().toString();
        LostAnswerMark mark = ownTransaction.execute(status -> {
            log.queuedUnlessSent(n);
            if (!log.lockUnsent(n)) {
                recorded.set(recordedOrThrow(n));
                return null;
            }
            int unfinished = log.unfinishedSendsTakenAsLost(n);
            if (unfinished > 0) {
                LOG.warn("Notification {} (direct, {}): {} earlier send(s) under its Idempotency-Key began and recorded "
                        + "no outcome; the provider may have it: taken as a lost answer", n.id(), n.channel(),
                        unfinished);
            }
            log.sendStarting(n, start, Instant.now().truncatedTo(ChronoUnit.MICROS));
            return log.lostAnswer(n);
        });
        if (mark == null) {
            return recorded.get();
        }
        SentNotification sent;
        try {
            sent = dispatch(n, mark);
        } catch (ResendsAfterLostAnswerUsedUp usedUp) {
            ownTransaction.executeWithoutResult(status -> {
                log.answersLostForGood(n, usedUp.answersLost());
                log.sendEnded(start);
            });
            log.countAnswersLostForGood(n);
            throw usedUp;
        } catch (InvalidRecipientException | ValidationException refused) {
            ownTransaction.executeWithoutResult(status -> {
                log.refused(n, refused.type());
                log.sendEnded(start);
            });
            throw refused;
        } catch (RuntimeException failed) {
            // its lost answers recorded: the caller's repeat under the same key looks before it sends
            ownTransaction.executeWithoutResult(status -> {
                log.sendFailed(n, mark);
                log.sendEnded(start);
            });
            throw failed;
        }
        ownTransaction.executeWithoutResult(status -> {
            if (log.lockUnsent(n)) {
                log.sent(sent);
            } else {
                // a repeat took this request over meanwhile (its key's claim unrenewed past the claim timeout: an
                // instance alive but cut off from the database) and sent it too: the row keeps that one's send
                LOG.warn("Notification {} (direct, {}): a repeat of its request under the same Idempotency-Key sent it "
                        + "meanwhile; this send ({}) went out too and is not recorded on it", n.id(), n.channel(),
                        sent.providerReference());
            }
            log.sendEnded(start);
        });
        return sent;
    }

    /** A direct send's repeat that finds it no longer unsent: the send recorded, or the reason it was not sent. */
    private SentNotification recordedOrThrow(Notification n) {
        NotificationLog.Recorded recorded = log.recorded(n);
        if (recorded.sent() != null) {
            return recorded.sent();
        }
        if (NotificationLog.ANSWER_LOST.equals(recorded.errorCode())) {
            throw new ResendsAfterLostAnswerUsedUp(NotificationConfig.SENDGRID, "SendGrid's answer to this email was "
                    + "lost: the email may have gone out, and is not sent again; check SendGrid's activity", 0);
        }
        throw new ValidationException("The notification sent under this Idempotency-Key was refused ("
                + recorded.errorCode() + "); it is not sent again");
    }

    /** The send under the notification's row lock: in the send's transaction. */
    private Outcome sendLocked(Notification n, AtomicReference<GivingUp> givingUp) {
        if (!lockUnsent(n)) {
            // not logged (the change that queued it rolled back: nothing to tell), or a copy of it was sent
            // already, or this message was, and the look for parked callbacks after its commit failed (the
            // message redelivered for it): looked for again, else a status parked then stayed parked, the
            // notification "sent" for ever
            return new Outcome(log.providerReference(n), null);
        }
        if (log.outdated(n)) {
            log.skipped(n);
            return new Outcome(null, null);
        }
        // a start found now, under the lock, is no send under way (that one would hold the lock): one that ended
        // without recording its outcome, and may have reached the provider
        int unfinished = log.unfinishedSendsTakenAsLost(n);
        if (unfinished > 0) {
            LOG.warn("Notification {} ({} of booking {}, {}): {} earlier send(s) began and recorded no outcome (the hub "
                    + "stopped during it, or its commit failed); the provider may have it: taken as a lost answer",
                    n.id(), n.kind(), n.bookingId(), n.channel(), unfinished);
        }
        // an earlier send of it lost the provider's answer: this one looks before it sends (ProviderCalls)
        LostAnswerMark mark = log.lostAnswer(n);
        // this send's start, committed before the provider is called, in a transaction of its own while this one
        // holds the row lock: a send that ends without its outcome recorded (the hub stops, its commit fails) leaves
        // it behind, and the next send takes it as a lost answer (looks the SMS up before it sends); a copy that comes
        // meanwhile waits on the lock, and never takes a send under way for a lost one. The system clock, as the
        // provider's (to the microsecond the database keeps)
        String start = UUID.randomUUID().toString();
        Instant started = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ownTransaction.executeWithoutResult(status -> log.sendStarting(n, start, started));
        Outcome outcome = sendStarted(n, mark, start, givingUp);
        log.sendEnded(start); // with the outcome: the start stays exactly when that rolls back
        return outcome;
    }

    /**
     * The row lock of a queued notification: one held by another transaction past the lock timeout (a copy of it
     * being sent, most likely) is {@link NotificationBusy}, which {@link #sendQueued} leaves to the broker's
     * redelivery ({@link QueuedNotificationSender}; a dead letter before: it waited for an automatic replay minutes
     * later, or for a person).
     */
    private boolean lockUnsent(Notification n) {
        try {
            return log.lockUnsent(n);
        } catch (RuntimeException held) {
            if (!DatabaseBusy.is(held)) {
                throw held;
            }
            LOG.info("Notification {} ({} of booking {}, {}): its row was held by another transaction past "
                    + "connectify.database.lock-timeout (another copy of it being sent, most likely); its message is "
                    + "left to the broker's redelivery", n.id(), n.kind(), n.bookingId(), n.channel());
            throw new NotificationBusy(n.id(), held);
        }
    }

    /** The send after its start is recorded ({@code start}): its outcome, recorded in the send's transaction. */
    private Outcome sendStarted(Notification n, LostAnswerMark mark, String start,
                                AtomicReference<GivingUp> givingUp) {
        int lostBefore = mark.answersLost();
        SentNotification sent;
        try {
            // a text that tells what its booking is now, told as it is now (a late send: a dead letter replayed)
            sent = dispatch(planner.asSentNow(n), mark);
        } catch (ResendsAfterLostAnswerUsedUp usedUp) {
            // an email SendGrid lost the answer to as often as it may be sent again: it may have gone out, and
            // SendGrid cannot be asked. Failed, not retried or replayed (each would be one more copy), and left
            // for a person, who checks SendGrid's activity
            givingUp.set(new GivingUp(mark, mark.answersLost() - lostBefore, start));
            log.answersLostForGood(n, usedUp.answersLost());
            leftForAPerson(n, usedUp.answersLost());
            return new Outcome(null, null, true);
        } catch (InvalidRecipientException | ValidationException refused) {
            // refused for good (a number that is no phone, a message the provider will not take): asked again
            // it would be refused again, after holding up every notification queued behind it; failed now
            log.refused(n, refused.type());
            if (refused instanceof ValidationException) {
                // the message refused, not the recipient: maybe the hub's own (a sender, a content the provider
                // will not take), and no caller sees it; the operator does, in the integrations view
                resilience.recordRefusal(n.channel() == Notification.Channel.SMS ? NotificationConfig.TWILIO
                        : NotificationConfig.SENDGRID, refused);
            }
            return new Outcome(null, null);
        } catch (RuntimeException failed) {
            if (Causes.find(failed, DataAccessException.class) != null) {
                // this transaction's own statement failed (rolled back, on PostgreSQL aborted): the send's start
                // stays recorded, and the next send takes it as a lost answer, which is safe
                throw failed;
            }
            // the failure is known: recorded, committed although the send failed, with the answers its attempts
            // lost (Twilio or SendGrid may have the message), so that the redelivery, a dead letter's replay or
            // the recovery sweep looks before it sends (SMS: where the lost attempts were, for what they sent) or
            // counts them (email). Rolled back with the send, the next send knew nothing of them and sent blindly
            // (a notice as many times as its deliveries while Twilio answers late); the send's start ended: no
            // outcome is missing
            log.sendFailed(n, mark);
            return new Outcome(null, failed);
        }
        log.sent(sent);
        return new Outcome(sent.providerReference(), null);
    }

    private void givenUpRolledBack(Notification n, GivingUp givenUp, RuntimeException failed) {
        try {
            ownTransaction.executeWithoutResult(status -> log.givenUpRolledBack(n, givenUp.mark(),
                    givenUp.lostInThisCall(), givenUp.start()));
        } catch (RuntimeException notRecorded) {
            // the start stays: the next send counts one answer lost too many, and gives up all the same
            failed.addSuppressed(notRecorded);
        }
    }

    /**
     * The booking of an email given up after lost answers marked for a person, in the send's transaction (as the
     * recovery sweep marks one it cannot queue again): the notification's failure alone tells no one. A notification of
     * no booking is counted and logged only.
     */
    private void leftForAPerson(Notification n, int answersLost) {
        if (n.bookingId() == null || !bookings.needsAttention(n.bookingId(),
                ANSWERS_LOST_NOTE.formatted(n.kind(), answersLost), clock.instant())) {
            LOG.warn("Notification {} ({}, {}): its provider's answer was lost {} times; failed (answer-lost), not sent "
                    + "again, no booking to mark", n.id(), n.kind(), n.channel(), answersLost);
            return;
        }
        LOG.warn("Booking {}: its {} {} notification {} got no answer {} times and is not sent again (it may have gone "
                + "out); marked for a person (GET /api/v1/admin/bookings/attention)", n.bookingId(), n.kind(),
                n.channel(), n.id(), answersLost);
    }

    private SentNotification dispatch(Notification n, LostAnswerMark mark) {
        Exchange done = template.send("direct:notification-dispatch", exchange -> {
            exchange.getMessage().setBody(n);
            exchange.setProperty(ProviderCalls.LOST_ANSWER, mark);
        });
        Exception failure = done.getException();
        if (failure != null) {
            throw Causes.hubErrorOr(failure instanceof RuntimeException rt ? rt
                    : new CamelExecutionException("Sending notification " + n.id() + " failed", done, failure));
        }
        return done.getMessage().getBody(SentNotification.class);
    }

    /**
     * An email being given up after lost answers, for the give-up's rollback: its call's mark, how many answers the
     * call's own attempts lost, and its start.
     */
    private record GivingUp(LostAnswerMark mark, int lostInThisCall, String start) {
    }

    /**
     * What one send came to: the SID to apply parked callbacks for, or the failure to throw once committed, or whether
     * it was given up after lost answers (counted once committed).
     */
    private record Outcome(String sid, RuntimeException failure, boolean givenUp) {

        Outcome(String sid, RuntimeException failure) {
            this(sid, failure, false);
        }
    }
}
