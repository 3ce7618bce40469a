package io.connectify.hub.web;

import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code connectify.http}, bound here so that a value the hub cannot work with stops the start:
 * {@code maxBodyBytes}, the largest request body (0 or less refused every request with a body; BodySizeLimitFilter
 * takes it by {@code @Value}); how long an Idempotency-Key's answer is kept and its unanswered claim holds
 * (IdempotentRequests).
 */
@ConfigurationProperties("connectify.http")
public record HttpProperties(int maxBodyBytes, Duration idempotencyKeyLifetime,
                             Duration idempotencyClaimTimeout) {

    public HttpProperties {
        PropertyChecks.atLeast("connectify.http.max-body-bytes", maxBodyBytes, 1, "the largest request body");
        PropertyChecks.positive("connectify.http.idempotency-key-lifetime", idempotencyKeyLifetime,
                "how long an Idempotency-Key's answer is kept");
        PropertyChecks.positive("connectify.http.idempotency-claim-timeout", idempotencyClaimTimeout,
                "how long a key's unanswered claim holds");
    }
}
