package io.connectify.hub.resilience;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * One resilience policy shape for every provider: {@code defaults}, and per provider entries that override single
 * values ({@code connectify.resilience.providers.google-calendar.retry.max-attempts=3}).
 */
@ConfigurationProperties("connectify.resilience")
public record ResilienceProperties(Policy defaults, Map<String, Policy> providers) {

    public ResilienceProperties {
        providers = providers == null ? Map.of() : providers;
    }

    /** The effective policy of a provider: its own values where set, the defaults elsewhere. */
    public Policy policyFor(String provider) {
        Policy own = providers.get(provider);
        return own == null ? defaults : own.orElse(defaults);
    }

    public record Policy(Retry retry, CircuitBreaker circuitBreaker, RateLimiter rateLimiter) {

        Policy orElse(Policy d) {
            return new Policy(
                    retry == null ? d.retry : retry.orElse(d.retry),
                    circuitBreaker == null ? d.circuitBreaker : circuitBreaker.orElse(d.circuitBreaker),
                    rateLimiter == null ? d.rateLimiter : rateLimiter.orElse(d.rateLimiter));
        }
    }

    public record Retry(Integer maxAttempts, Duration initialInterval, Double multiplier, Duration maxInterval,
                        Double randomizationFactor) {

        Retry orElse(Retry d) {
            return new Retry(
                    or(maxAttempts, d.maxAttempts), or(initialInterval, d.initialInterval),
                    or(multiplier, d.multiplier), or(maxInterval, d.maxInterval),
                    or(randomizationFactor, d.randomizationFactor));
        }
    }

    public record CircuitBreaker(Float failureRateThreshold, Integer slidingWindowSize, Integer minimumNumberOfCalls,
                                 Duration waitDurationInOpenState, Integer permittedCallsInHalfOpenState) {

        CircuitBreaker orElse(CircuitBreaker d) {
            return new CircuitBreaker(
                    or(failureRateThreshold, d.failureRateThreshold), or(slidingWindowSize, d.slidingWindowSize),
                    or(minimumNumberOfCalls, d.minimumNumberOfCalls),
                    or(waitDurationInOpenState, d.waitDurationInOpenState),
                    or(permittedCallsInHalfOpenState, d.permittedCallsInHalfOpenState));
        }
    }

    public record RateLimiter(Integer limitForPeriod, Duration limitRefreshPeriod, Duration timeout) {

        RateLimiter orElse(RateLimiter d) {
            return new RateLimiter(
                    or(limitForPeriod, d.limitForPeriod), or(limitRefreshPeriod, d.limitRefreshPeriod),
                    or(timeout, d.timeout));
        }
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
