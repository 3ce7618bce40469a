package io.connectify.hub.payment.stripe;

import java.time.Duration;

import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.AuthenticationException;
import com.stripe.exception.CardException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.PermissionException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.net.StripeResponse;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.InvalidStateException;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.PaymentDeclinedException;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.ProviderException.Kind;
import io.connectify.hub.resilience.RetryAfter;
import io.connectify.hub.resilience.ValidationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stripe failures as typed hub errors: declined cards 402, invalid requests 400 (naming the parameter), missing
 * objects 404, credentials 502 without retry, rate limits (Retry-After kept) and 5xx/network retried. Stripe's messages can echo
 * request values, so only its codes and parameter names are passed on.
 */
public final class StripeErrors {

    private static final Logger log = LoggerFactory.getLogger(StripeErrors.class);
    private static final String PROVIDER = StripeConfig.PROVIDER;

    private StripeErrors() {
    }

    public static HubException translate(Throwable failure) {
        StripeException e = Causes.find(failure, StripeException.class);
        if (e == null) {
            log.error("Stripe call failed before reaching Stripe: {}", failure.getClass().getName());
            return new ProviderException(PROVIDER, Kind.REJECTED, "Stripe request failed", null, null);
        }
        int status = e.getStatusCode() == null ? 0 : e.getStatusCode();
        if (e instanceof CardException card) {
            return new PaymentDeclinedException("The card was declined"
                    + (card.getDeclineCode() != null ? " (" + card.getDeclineCode() + ")" : ""));
        }
        if (e instanceof IdempotencyException) {
            return new InvalidStateException("This Idempotency-Key was used with different parameters");
        }
        if (e instanceof RateLimitException || status == 429) {
            // Stripe's Retry-After where it sends one; none: the hub's rate-limited-wait (ProviderCalls)
            return new ProviderException(PROVIDER, Kind.RATE_LIMITED, "Stripe rate limit reached", retryAfter(e), null);
        }
        if (e instanceof AuthenticationException || e instanceof PermissionException) {
            log.error("Stripe refused the hub's credentials: HTTP {} ({})", status, e.getCode());
            return new ProviderException(PROVIDER, Kind.REJECTED, "Stripe answered HTTP " + status, null, null);
        }
        if (e instanceof InvalidRequestException invalid) {
            if (status == 404) {
                return new NotFoundException("Stripe has no such object" + param(invalid.getParam()));
            }
            return new ValidationException("Stripe rejected the request" + param(invalid.getParam())
                    + (e.getCode() != null ? " (" + e.getCode() + ")" : ""));
        }
        if (e instanceof ApiConnectionException) {
            log.warn("Stripe unreachable: {}", e.getClass().getSimpleName());
            return new ProviderException(PROVIDER, Kind.UNAVAILABLE, "Stripe did not answer", null, null);
        }
        log.warn("Stripe error: HTTP {} ({})", status, e.getCode());
        return new ProviderException(PROVIDER, Kind.UNAVAILABLE, "Stripe answered HTTP " + status, null, null);
    }

    /**
     * The answer's Retry-After: stripe-java keeps the error answer (headers included) on the exception's
     * {@code StripeError}, though it does not read the header itself.
     */
    private static Duration retryAfter(StripeException e) {
        StripeResponse answer = e.getStripeError() == null ? null : e.getStripeError().getLastResponse();
        if (answer == null || answer.headers() == null) {
            return null;
        }
        return answer.headers().firstValue("Retry-After").map(RetryAfter::seconds).orElse(null);
    }

    private static String param(String name) {
        return name == null ? "" : ": parameter '" + name + "'";
    }
}
