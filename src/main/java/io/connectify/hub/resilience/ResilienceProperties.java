package io.connectify.hub.resilience;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * One resilience policy shape for every provider: {@code defaults}, and per provider entries that override single
 * values ({@code connectify.resilience.providers.google-calendar.retry.max-attempts=3}, or from the environment
 * {@code CONNECTIFY_RESILIENCE_PROVIDERS_GOOGLECALENDAR_RETRY_MAXATTEMPTS=3}).
 */
@ConfigurationProperties("connectify.resilience")
public record ResilienceProperties(Policy defaults, Map<String, Policy> providers) {

    /** The providers the hub calls, as their entries are named in application.yaml. */
    public static final List<String> PROVIDERS = List.of("google-calendar", "stripe", "payrexx", "twilio", "sendgrid");

    public ResilienceProperties {
        providers = byName(knownOnly(providers));
        checkRateLimitedWait("defaults", defaults);
        for (var provider : providers.entrySet()) {
            checkRateLimitedWait("providers." + provider.getKey(), provider.getValue().orElse(defaults));
        }
    }

    /**
     * A 429's wait when the provider names none must be longer than 0 and no longer than max-retry-after: a longer
     * one would never be retried (every 429 without a hint failed at once).
     */
    private static void checkRateLimitedWait(String at, Policy policy) {
        Retry retry = policy == null ? null : policy.retry;
        if (retry == null || retry.rateLimitedWait == null) {
            return;
        }
        String property = "connectify.resilience." + at + ".retry.rate-limited-wait";
        PropertyChecks.positive(property, retry.rateLimitedWait, "the wait after a provider's 429 without Retry-After");
        if (retry.maxRetryAfter != null && retry.rateLimitedWait.compareTo(retry.maxRetryAfter) > 0) {
            throw ConfigurationError.mismatch(property + " must be at most max-retry-after (" + retry.maxRetryAfter
                    + "): a longer wait is never retried, not " + retry.rateLimitedWait, property,
                    "connectify.resilience." + at + ".retry.max-retry-after");
        }
    }

    /**
     * {@code providers}, refused when one of its keys names no provider: a misspelt entry
     * ({@code providers.google.retry.max-attempts}) bound silently before and changed nothing.
     */
    private static Map<String, Policy> knownOnly(Map<String, Policy> providers) {
        if (providers != null) {
            List<String> known = PROVIDERS.stream().map(ResilienceProperties::name).toList();
            for (String key : providers.keySet()) {
                if (!known.contains(name(key))) {
                    throw ConfigurationError.invalid("connectify.resilience.providers." + key
                            + " names no provider: the entries are " + String.join(", ", PROVIDERS));
                }
            }
        }
        return providers;
    }

    /**
     * The per provider entries keyed by provider name without dashes and case. An environment variable can name a
     * map key only so: {@code ..._PROVIDERS_GOOGLECALENDAR_...} binds the key "googlecalendar", not the YAML's
     * "google-calendar", which Spring Boot keeps as a second entry. Its values win over the YAML's.
     */
    private static Map<String, Policy> byName(Map<String, Policy> providers) {
        Map<String, Policy> named = new HashMap<>();
        if (providers != null) {
            providers.entrySet().stream()
                    .sorted(Comparator.comparing(entry -> !entry.getKey().equals(name(entry.getKey()))))
                    .forEach(entry -> named.merge(name(entry.getKey()), entry.getValue(), Policy::orElse));
        }
        return Map.copyOf(named);
    }

    private static String name(String provider) {
        return provider.replace("-", "").toLowerCase(Locale.ROOT);
    }

    /** The effective policy of a provider: its own values where set, the defaults elsewhere. */
    public Policy policyFor(String provider) {
        Policy own = providers.get(name(provider));
        return own == null ? defaults : own.orElse(defaults);
    }

    public record Policy(Retry retry, CircuitBreaker circuitBreaker, RateLimiter rateLimiter) {

        Policy orElse(Policy d) {
            return new Policy(
                    retry == null ? d.retry : retry.orElse(d.retry),
                    circuitBreaker == null ? d.circuitBreaker : circuitBreaker.orElse(d.circuitBreaker),
                    rateLimiter == null ? d.rateLimiter : rateLimiter.orElse(d.rateLimiter));
        }

        /**
         * The longest one call under this policy can take, each attempt waiting for a rate-limiter permit, to connect
         * and for the answer ({@code connectTimeout}, {@code readTimeout}: the provider's), with the longest wait
         * between attempts (the back-off's cap with its jitter, or a Retry-After waited out) between them.
         */
        public Duration longestCall(String provider, Duration connectTimeout, Duration readTimeout) {
            String at = "connectify.resilience.providers." + provider + ".";
            if (retry == null || retry.maxAttempts == null || retry.maxAttempts < 1) {
                throw ConfigurationError.invalid(at + "retry.max-attempts must be at least 1");
            }
            if (rateLimiter == null || rateLimiter.timeout == null || retry.maxInterval == null
                    || retry.randomizationFactor == null || retry.maxRetryAfter == null) {
                // the properties named one by one: invalid(description) would take "...retry" for one
                throw ConfigurationError.mismatch(at + "retry.max-interval, retry.randomization-factor, "
                        + "retry.max-retry-after and rate-limiter.timeout must be set", at + "retry.max-interval",
                        at + "retry.randomization-factor", at + "retry.max-retry-after", at + "rate-limiter.timeout");
            }
            Duration attempt = rateLimiter.timeout.plus(connectTimeout).plus(readTimeout);
            Duration backOff = Duration.ofMillis(Math.round(retry.maxInterval.toMillis()
                    * (1 + retry.randomizationFactor)));
            Duration between = backOff.compareTo(retry.maxRetryAfter) > 0 ? backOff : retry.maxRetryAfter;
            return attempt.multipliedBy(retry.maxAttempts).plus(between.multipliedBy(retry.maxAttempts - 1L));
        }
    }

    /**
     * {@code maxRetryAfter}: the longest {@code Retry-After} the hub waits out before trying again; a provider that
     * asks for longer is not retried (the caller gets 429 with its Retry-After; queued work is redelivered later),
     * where the wait held a request or queue thread for minutes. {@code rateLimitedWait}: the Retry-After the hub
     * assumes for a provider's 429 that names none (Twilio's, often Stripe's): at least this long before the next
     * attempt, and the Retry-After the caller gets (before: a fixed 1 s for Stripe and Twilio, only the back-off for
     * the others).
     */
    public record Retry(Integer maxAttempts, Duration initialInterval, Double multiplier, Duration maxInterval,
                        Double randomizationFactor, Duration maxRetryAfter, Duration rateLimitedWait) {

        Retry orElse(Retry d) {
            return d == null ? this : new Retry(
                    or(maxAttempts, d.maxAttempts), or(initialInterval, d.initialInterval),
                    or(multiplier, d.multiplier), or(maxInterval, d.maxInterval),
                    or(randomizationFactor, d.randomizationFactor), or(maxRetryAfter, d.maxRetryAfter),
                    or(rateLimitedWait, d.rateLimitedWait));
        }
    }

    public record CircuitBreaker(Float failureRateThreshold, Integer slidingWindowSize, Integer minimumNumberOfCalls,
                                 Duration waitDurationInOpenState, Integer permittedCallsInHalfOpenState) {

        CircuitBreaker orElse(CircuitBreaker d) {
            return d == null ? this : new CircuitBreaker(
                    or(failureRateThreshold, d.failureRateThreshold), or(slidingWindowSize, d.slidingWindowSize),
                    or(minimumNumberOfCalls, d.minimumNumberOfCalls),
                    or(waitDurationInOpenState, d.waitDurationInOpenState),
                    or(permittedCallsInHalfOpenState, d.permittedCallsInHalfOpenState));
        }
    }

    public record RateLimiter(Integer limitForPeriod, Duration limitRefreshPeriod, Duration timeout) {

        RateLimiter orElse(RateLimiter d) {
            return d == null ? this : new RateLimiter(
                    or(limitForPeriod, d.limitForPeriod), or(limitRefreshPeriod, d.limitRefreshPeriod),
                    or(timeout, d.timeout));
        }
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
