package io.connectify.hub.notification;

import io.connectify.hub.resilience.AnswerLost;
import io.connectify.hub.resilience.HubException;

/**
 * SendGrid failures as typed hub errors ({@link io.connectify.hub.resilience.HttpProviderErrors}), a request that
 * went out and got no SendGrid answer told apart as {@link AnswerLost} ({@link AnswerLost#orHttpError}): a read
 * timeout, a dropped connection, a 502/503/504 (an edge answering for a backend that may have taken the mail).
 * SendGrid may have taken it and will send it; its 500 is its API's own error, and a connection never made reached
 * nothing.
 */
final class SendGridErrors {

    private static final String PROVIDER = NotificationConfig.SENDGRID;

    private SendGridErrors() {
    }

    static boolean answerLost(HubException failure) {
        return AnswerLost.is(failure);
    }

    static HubException translate(Throwable failure) {
        return AnswerLost.orHttpError(PROVIDER, "SendGrid", failure, AnswerLost.GATEWAY_STATUSES::contains);
    }
}
