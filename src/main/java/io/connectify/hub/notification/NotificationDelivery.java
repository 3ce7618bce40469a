package io.connectify.hub.notification;

import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.InvalidRecipientException;
import io.connectify.hub.resilience.LostAnswerMark;
import io.connectify.hub.resilience.ProviderCalls;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.resilience.ValidationException;
import org.apache.camel.Body;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends a queued notification once, whichever copy of its message comes first. The send runs under the row lock
 * of its notification: a second copy (a saga step that queued again what it found unsent, or another hub
 * instance) waits and then finds it sent; a send that fails rolls back and leaves it unsent for the redelivery.
 * The provider's reply and the lock's commit are one step apart, as a provider call and a database can only be.
 * Twilio status callbacks parked while the SID was uncommitted are applied after the commit, and again by any later
 * copy of the message: one whose apply failed is applied by the message's redelivery. A send that lost the provider's
 * answer is remembered on the row all the same ({@link NotificationLog#answerLost}): every later send of it looks
 * the message up before it sends ({@link ProviderCalls#LOST_ANSWER}).
 */
@Component("notificationDelivery")
public class NotificationDelivery {

    private final NotificationLog log;
    private final NotificationPlanner planner;
    private final TransactionTemplate transactions;
    private final ProducerTemplate template;
    private final ProviderResilience resilience;

    public NotificationDelivery(NotificationLog log, NotificationPlanner planner, TransactionTemplate transactions,
                                ProducerTemplate template, ProviderResilience resilience) {
        this.log = log;
        this.planner = planner;
        this.transactions = transactions;
        this.template = template;
        this.resilience = resilience;
    }

    public void sendOnce(@Body Notification n) {
        Outcome outcome = transactions.execute(status -> {
            if (!log.lockUnsent(n)) {
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
            // an earlier send of it lost the provider's answer: this one looks before it sends (ProviderCalls)
            LostAnswerMark mark = log.lostAnswer(n);
            SentNotification sent;
            try {
                // a text that tells what its booking is now, told as it is now (a late send: a dead letter replayed)
                sent = dispatch(planner.asSentNow(n), mark);
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
                if (!mark.lostInThisCall()) {
                    throw failed;
                }
                // this send lost an answer (Twilio may have the SMS): recorded, committed although the send failed,
                // so that the redelivery, a dead letter's replay or the recovery sweep looks before it sends. Rolled
                // back with the send, the next send knew nothing of it and sent blindly (a notice as many times as
                // its deliveries while Twilio answers late). A later send's lost answer too: the lookups then read on
                // to its attempts, for what it sent
                log.answerLost(n, mark);
                return new Outcome(null, failed);
            }
            log.sent(sent);
            return new Outcome(sent.providerReference(), null);
        });
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        if (outcome.sid() != null) {
            log.applyParkedCallbacks(outcome.sid()); // status callbacks that came while the SID was not yet committed
        }
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

    /** What one send came to: the SID to apply parked callbacks for, or the failure to throw once committed. */
    private record Outcome(String sid, RuntimeException failure) {
    }
}
