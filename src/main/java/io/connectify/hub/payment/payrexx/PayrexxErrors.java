package io.connectify.hub.payment.payrexx;

import java.io.IOException;

import io.connectify.hub.resilience.AnswerLost;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.HttpProviderErrors;
import io.connectify.hub.resilience.HubException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payrexx failures as typed hub errors ({@link HttpProviderErrors}), a request that went out and got no answer told
 * apart as {@link AnswerLost}: a read timeout, a connection dropped after sending, and every 5xx (Payrexx documents
 * none as "nothing done", and its edge answers 502/504 for a backend that may have made the page or the refund).
 * Retried as any unavailability; a POST's retry first asks Payrexx what it did ({@link PayrexxGatewayNotResent},
 * {@link PayrexxRefundLookup}).
 */
final class PayrexxErrors {

    private static final Logger log = LoggerFactory.getLogger(PayrexxErrors.class);
    private static final String PROVIDER = PayrexxConfig.PROVIDER;

    private PayrexxErrors() {
    }

    static HubException translate(Throwable failure) {
        if (Causes.find(failure, HubException.class) == null) {
            HttpOperationFailedException http = Causes.find(failure, HttpOperationFailedException.class);
            if (http != null && http.getStatusCode() >= 500) {
                log.warn("Payrexx server error: HTTP {}", http.getStatusCode());
                return new AnswerLost(PROVIDER, "Payrexx answered HTTP " + http.getStatusCode());
            }
            if (http == null && Causes.find(failure, IOException.class) != null
                    && !AnswerLost.neverConnected(failure)) {
                log.warn("Payrexx did not answer");
                return new AnswerLost(PROVIDER, "Payrexx did not answer");
            }
        }
        return HttpProviderErrors.translate(PROVIDER, "Payrexx", failure);
    }
}
