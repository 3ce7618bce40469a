package io.connectify.hub.notification;

import java.io.IOException;

import io.connectify.hub.resilience.AnswerLost;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.HttpProviderErrors;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.ProviderException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SendGrid failures as typed hub errors ({@link HttpProviderErrors}), a request that went out and got no SendGrid
 * answer told apart as {@link AnswerLost}: a read timeout, a dropped connection, a 502/503/504 (an edge answering for
 * a backend that may have taken the mail). SendGrid may have taken it and will send it; its 500 is its API's own
 * error, and a connection never made reached nothing.
 */
final class SendGridErrors {

    private static final Logger log = LoggerFactory.getLogger(SendGridErrors.class);
    private static final String PROVIDER = NotificationConfig.SENDGRID;

    private SendGridErrors() {
    }

    static boolean answerLost(HubException failure) {
        return AnswerLost.is(failure);
    }

    static HubException translate(Throwable failure) {
        if (Causes.find(failure, HubException.class) == null) {
            HttpOperationFailedException http = Causes.find(failure, HttpOperationFailedException.class);
            if (http != null && AnswerLost.GATEWAY_STATUSES.contains(http.getStatusCode())) {
                log.warn("SendGrid server error: HTTP {}", http.getStatusCode());
                return new AnswerLost(PROVIDER, "SendGrid answered HTTP " + http.getStatusCode());
            }
            if (http == null && Causes.find(failure, IOException.class) != null
                    && !AnswerLost.neverConnected(failure)) {
                log.warn("SendGrid did not answer");
                return new AnswerLost(PROVIDER, "SendGrid did not answer");
            }
        }
        return HttpProviderErrors.translate(PROVIDER, "SendGrid", failure);
    }
}
