package io.connectify.hub.payment.payrexx;

import io.connectify.hub.resilience.AnswerLost;
import io.connectify.hub.resilience.HubException;

/**
 * Payrexx failures as typed hub errors ({@link io.connectify.hub.resilience.HttpProviderErrors}), a request that went
 * out and got no answer told apart as {@link AnswerLost}: a read timeout, a connection dropped after sending, and every
 * 5xx (Payrexx documents none as "nothing done", and its edge answers 502/504 for a backend that may have made the page
 * or the refund). Retried as any unavailability; a refund's retry first asks Payrexx what it did
 * ({@link PayrexxRefundLookup}; a payment page's is sent again: {@link PayrexxRoutes}).
 */
final class PayrexxErrors {

    private PayrexxErrors() {
    }

    static HubException translate(Throwable failure) {
        return AnswerLost.orHttpError(PayrexxConfig.PROVIDER, "Payrexx", failure, status -> status >= 500);
    }
}
