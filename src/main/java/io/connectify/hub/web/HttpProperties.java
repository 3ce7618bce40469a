package io.connectify.hub.web;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code connectify.http}, bound here so that a value the hub cannot work with stops the start (the filters take
 * them by {@code @Value}): {@code maxBodyBytes}, the largest request body (0 or less refused every request with a
 * body); the Idempotency-Key answers' lifetime and how long an unanswered claim holds.
 */
@ConfigurationProperties("connectify.http")
public record HttpProperties(int maxBodyBytes, java.time.Duration idempotencyKeyLifetime,
                             java.time.Duration idempotencyClaimTimeout) {

    public HttpProperties {
        PropertyChecks.atLeast("connectify.http.max-body-bytes", maxBodyBytes, 1, "the largest request body");
        PropertyChecks.positive("connectify.http.idempotency-key-lifetime", idempotencyKeyLifetime,
                "how long an Idempotency-Key's answer is kept");
        PropertyChecks.positive("connectify.http.idempotency-claim-timeout", idempotencyClaimTimeout,
                "how long a key's unanswered claim holds");
    }
}
