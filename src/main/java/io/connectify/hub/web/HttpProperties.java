package io.connectify.hub.web;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code connectify.http}, bound here so that a value the hub cannot work with stops the start:
 * {@code maxBodyBytes}, the largest request body (0 or less refused every request with a body; BodySizeLimitFilter
 * takes it by {@code @Value}); how long an Idempotency-Key's answer is kept, how often the claims of the requests
 * still running are renewed (the timer of route api-renew-idempotency-claims), how long a claim holds without
 * a renewal, and for how long a request's claim is renewed at most (IdempotentRequests); the answer's lifetime no
 * shorter than that max age, as an answer past its lifetime is taken over even while its request runs.
 */
@ConfigurationProperties("connectify.http")
public record HttpProperties(int maxBodyBytes, Duration idempotencyKeyLifetime,
                             Duration idempotencyClaimTimeout, Duration idempotencyClaimRenewal,
                             Duration idempotencyClaimMaxAge) {

    /** How many renewals a claim's timeout must span at least: a late or failed one alone never loses the claim. */
    static final int RENEWALS_PER_TIMEOUT = 3;

    public HttpProperties {
        PropertyChecks.atLeast("connectify.http.max-body-bytes", maxBodyBytes, 1, "the largest request body");
        PropertyChecks.positive("connectify.http.idempotency-key-lifetime", idempotencyKeyLifetime,
                "how long an Idempotency-Key's answer is kept");
        PropertyChecks.positive("connectify.http.idempotency-claim-renewal", idempotencyClaimRenewal,
                PropertyChecks.TIMER);
        PropertyChecks.positive("connectify.http.idempotency-claim-timeout", idempotencyClaimTimeout,
                "how long a key's claim holds without a renewal");
        PropertyChecks.positive("connectify.http.idempotency-claim-max-age", idempotencyClaimMaxAge,
                "how long a running request's claim is renewed at most");
        if (idempotencyClaimTimeout.compareTo(idempotencyClaimRenewal.multipliedBy(RENEWALS_PER_TIMEOUT)) < 0) {
            // a renewal delayed by a GC pause or a slow database, or one that failed, would let a repeat take over
            // the claim of a request still running, and run it a second time
            throw ConfigurationError.invalid("connectify.http.idempotency-claim-timeout (" + idempotencyClaimTimeout
                    + ") must be at least " + RENEWALS_PER_TIMEOUT + " times connectify.http.idempotency-claim-renewal ("
                    + idempotencyClaimRenewal + "): a claim would be taken over, and its request run a second time, "
                    + "after a single late or failed renewal");
        }
        if (idempotencyKeyLifetime.compareTo(idempotencyClaimMaxAge) < 0) {
            // a claim older than the lifetime counts as an expired answer, taken over whether or not its request
            // still runs: a repeat would run a refund or a move a second time
            throw ConfigurationError.invalid("connectify.http.idempotency-key-lifetime (" + idempotencyKeyLifetime
                    + ") must be at least connectify.http.idempotency-claim-max-age (" + idempotencyClaimMaxAge
                    + "): a repeat would take a request still running for expired, and run it a second time");
        }
    }
}
