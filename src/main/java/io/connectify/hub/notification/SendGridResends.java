package io.connectify.hub.notification;

import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.LostAnswerLookup;
import io.connectify.hub.resilience.LostAnswerMark;
import io.connectify.hub.resilience.ResendsAfterLostAnswerUsedUp;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * SendGrid takes no idempotency key, and its v3 Mail Send API has no way to look a sent mail up (only the Email
 * Activity API, a paid add-on, lists them): an email whose answer was lost may have been taken, and cannot be asked
 * about. Each retry, redelivery or replay sent it again (a confirmation many times over while SendGrid answers slowly).
 * So after a lost answer the email is sent again only while no more than
 * {@code connectify.sendgrid.resends-after-lost-answer} answers were lost (default 1: at most two mails go out); then
 * nothing more is sent ({@link ResendsAfterLostAnswerUsedUp}, final): a queued notification is recorded failed
 * ({@code answer-lost}) and its booking marked for a person, who checks SendGrid's activity and sends it by hand if it
 * is not there. The answers lost are counted on the call's {@link LostAnswerMark}, which a queued notification carries
 * from its earlier sends (the notification's {@code answers_lost}).
 */
@Component("sendGridResends")
public class SendGridResends implements LostAnswerLookup {

    private static final Logger log = LoggerFactory.getLogger(SendGridResends.class);

    private final SendGridProperties properties;

    public SendGridResends(SendGridProperties properties) {
        this.properties = properties;
    }

    @Override
    public boolean answerLost(HubException failure) {
        return SendGridErrors.answerLost(failure);
    }

    @Override
    public Object find(Exchange exchange, LostAnswerMark mark) {
        int lost = mark.answersLost();
        if (lost <= properties.resendsAfterLostAnswer()) {
            log.info("SendGrid's answer was lost ({} time(s)), and SendGrid cannot be asked whether it took the mail: "
                    + "sending it again", lost);
            return null;
        }
        log.warn("SendGrid's answer was lost {} time(s): the email may have gone out; not sending it again "
                + "(connectify.sendgrid.resends-after-lost-answer: {})", lost, properties.resendsAfterLostAnswer());
        throw new ResendsAfterLostAnswerUsedUp(NotificationConfig.SENDGRID, "SendGrid's answer was lost " + lost
                + " time(s): the email may have gone out, and is not sent again; check SendGrid's activity before "
                + "sending it again", lost);
    }
}
