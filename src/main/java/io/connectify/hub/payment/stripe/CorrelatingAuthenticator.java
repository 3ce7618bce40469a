package io.connectify.hub.payment.stripe;

import com.stripe.exception.StripeException;
import com.stripe.net.Authenticator;
import com.stripe.net.BearerTokenAuthenticator;
import com.stripe.net.StripeRequest;
import io.connectify.hub.ops.CorrelationId;

/**
 * stripe-java's bearer-token authentication, plus the exchange's {@code X-Correlation-Id}: the authenticator is
 * the one hook stripe-java gives for a header on every request.
 */
class CorrelatingAuthenticator implements Authenticator {

    private final BearerTokenAuthenticator bearer;

    CorrelatingAuthenticator(String secretKey) {
        this.bearer = new BearerTokenAuthenticator(secretKey);
    }

    @Override
    public StripeRequest authenticate(StripeRequest request) throws StripeException {
        StripeRequest authenticated = bearer.authenticate(request);
        String correlationId = CorrelationId.current();
        return correlationId == null ? authenticated
                : authenticated.withAdditionalHeader(CorrelationId.HTTP_HEADER, correlationId);
    }
}
