package io.connectify.hub.resilience;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.connectify.hub.ops.cluster.RateShare;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The one resilience mechanism of the hub: per provider a resilience4j circuit breaker (used by the routes'
 * Circuit Breaker EIP), a retry with exponential back-off and jitter that honours Retry-After and retries only
 * {@link ProviderException#retryable() retryable} failures, and a token-bucket rate limiter. All from
 * {@link ResilienceProperties}; metrics go to Micrometer. A rate limiter's {@code limit-for-period} is the cluster's
 * by default: this instance's limiter takes its {@link RateShare}, changed as instances come and go (resilience4j
 * applies a changed limit from its next period on); the gauge {@code connectify_rate_share{limit=<provider>}} shows
 * the limit the limiter has.
 */
@Component
public class ProviderResilience {

    private final ResilienceProperties properties;
    private final CircuitBreakerRegistry circuitBreakers = CircuitBreakerRegistry.ofDefaults();
    private final RetryRegistry retries = RetryRegistry.ofDefaults();
    private final RateLimiterRegistry rateLimiters = RateLimiterRegistry.ofDefaults();
    private final ConcurrentMap<String, ResilienceProperties.Policy> policies = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LastError> lastErrors = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, java.util.concurrent.atomic.AtomicLong> rejections = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private final RateShare share;

    /** Each limiter with its whole configured rate (no cluster: a unit test's). */
    public ProviderResilience(ResilienceProperties properties, MeterRegistry meterRegistry) {
        this(properties, meterRegistry, RateShare.whole());
    }

    @Autowired
    public ProviderResilience(ResilienceProperties properties, MeterRegistry meterRegistry, RateShare share) {
        this.properties = properties;
        this.meters = meterRegistry;
        this.share = share;
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(circuitBreakers).bindTo(meterRegistry);
        TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(meterRegistry);
        TaggedRateLimiterMetrics.ofRateLimiterRegistry(rateLimiters).bindTo(meterRegistry);
        share.onChange(this::reshare);
    }

    public CircuitBreaker circuitBreaker(String provider) {
        var cb = policy(provider).circuitBreaker();
        return circuitBreakers.circuitBreaker(provider, () -> CircuitBreakerConfig.custom()
                .failureRateThreshold(cb.failureRateThreshold())
                .slidingWindowSize(cb.slidingWindowSize())
                .minimumNumberOfCalls(cb.minimumNumberOfCalls())
                .waitDurationInOpenState(cb.waitDurationInOpenState())
                .permittedNumberOfCallsInHalfOpenState(cb.permittedCallsInHalfOpenState())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                // a 404 or a validation error says nothing about the provider's health: ignored, neither a failure
                // nor a success (recorded alone, the breaker counted them as successes: its calls' "successful"
                // metric, a dashboard's and an alert's denominator, held every rate-limited refusal and every 404)
                .recordException(ProviderResilience::isProviderFailure)
                .ignoreException(e -> !isProviderFailure(e))
                .build());
    }

    public Retry retry(String provider) {
        var r = policy(provider).retry();
        IntervalFunction backoff = IntervalFunction.ofExponentialRandomBackoff(
                r.initialInterval(), r.multiplier(), r.randomizationFactor(), r.maxInterval());
        IntervalBiFunction<Object> interval = (attempt, outcome) -> {
            long computed = backoff.apply(attempt);
            if (outcome.isLeft() && outcome.getLeft() instanceof ProviderException pe) {
                // the provider's Retry-After (up to max-retry-after: longer is not retried) wins over a shorter back-off
                return pe.retryAfter().map(Duration::toMillis).filter(ms -> ms > computed).orElse(computed);
            }
            return computed;
        };
        return retries.retry(provider, () -> RetryConfig.custom()
                .maxAttempts(r.maxAttempts())
                .intervalBiFunction(interval)
                .retryOnException(e -> e instanceof ProviderException pe && pe.retryable()
                        && pe.retryAfter().map(wait -> wait.compareTo(r.maxRetryAfter()) <= 0).orElse(true))
                .failAfterMaxAttempts(false)
                .build());
    }

    public RateLimiter rateLimiter(String provider) {
        var existing = rateLimiters.find(provider);
        if (existing.isPresent()) {
            return existing.get();
        }
        var rl = policy(provider).rateLimiter();
        RateLimiter limiter = rateLimiters.rateLimiter(provider, () -> RateLimiterConfig.custom()
                .limitForPeriod(share.of(rl.limitForPeriod()))
                .limitRefreshPeriod(rl.limitRefreshPeriod())
                .timeoutDuration(rl.timeout())
                .build());
        // the share was read before the registry held the limiter: a change of the live instances in between
        // (likeliest right after start) reshared every limiter but this one, which would keep the old share until
        // the count changed again
        matchShare(limiter);
        Gauge.builder(RateShare.GAUGE, limiter, l -> l.getRateLimiterConfig().getLimitForPeriod())
                .description(RateShare.GAUGE_DESCRIPTION)
                .tag("limit", provider)
                .register(meters);
        return limiter;
    }

    /** The live instances changed: each limiter's limit for period is its share of the configured one again. */
    private void reshare() {
        for (RateLimiter limiter : rateLimiters.getAllRateLimiters()) {
            matchShare(limiter);
        }
    }

    /**
     * The limiter's limit for period made its share now. One lock: a share read before a change of the count, by a
     * new limiter's check, is never written after the share that change's reshare read.
     */
    private synchronized void matchShare(RateLimiter limiter) {
        int limit = share.of(policy(limiter.getName()).rateLimiter().limitForPeriod());
        if (limiter.getRateLimiterConfig().getLimitForPeriod() != limit) {
            limiter.changeLimitForPeriod(limit);
        }
    }

    /** A provider call failed for good (after retries, or with the circuit open): kept for the admin view. */
    public void recordFailure(String provider, ProviderException failure) {
        lastErrors.put(provider, new LastError(failure.type(), failure.getMessage(), java.time.Instant.now()));
    }

    /**
     * The provider refused a request for good, and no caller sees it (a queued notification failed at once): kept
     * for the admin view all the same, its type and the hub's own detail (a refusal the operator may have to mend: a
     * sender SendGrid will not take). Not a failure for the breaker.
     */
    public void recordRefusal(String provider, HubException refusal) {
        lastErrors.put(provider, new LastError(refusal.type(), refusal.getMessage(), java.time.Instant.now()));
    }

    /** The hub's own rate limiter refused a call to the provider. */
    public void recordRejection(String provider) {
        rejections.computeIfAbsent(provider, p -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
        meters.counter("connectify.provider.rejected", "provider", provider).increment();
    }

    public java.util.Optional<LastError> lastError(String provider) {
        return java.util.Optional.ofNullable(lastErrors.get(provider));
    }

    public long rejections(String provider) {
        var count = rejections.get(provider);
        return count == null ? 0 : count.get();
    }

    /** A provider's last failure: its problem type and the hub's own detail (never a provider's raw answer). */
    public record LastError(String type, String detail, java.time.Instant at) {
    }

    /**
     * A provider's 429 that names no wait ({@code Retry-After} absent or an HTTP-date) waits the configured
     * {@code rate-limited-wait}: before the next attempt, and as the caller's Retry-After when the retries run out.
     * Every other failure as it is.
     */
    public HubException withRateLimitedWait(String provider, HubException failure) {
        if (failure instanceof ProviderException pe && pe.kind() == ProviderException.Kind.RATE_LIMITED
                && pe.retryAfter().isEmpty()) {
            Duration wait = policy(provider).retry().rateLimitedWait();
            if (wait != null) {
                return new ProviderException(pe.provider(), pe.kind(), pe.getMessage(), wait, pe.getCause(),
                        pe.nothingSent());
            }
        }
        return failure;
    }

    /** How long a caller should wait before trying a provider whose circuit is open. */
    public Duration retryAfterWhenOpen(String provider) {
        return policy(provider).circuitBreaker().waitDurationInOpenState();
    }

    private ResilienceProperties.Policy policy(String provider) {
        return policies.computeIfAbsent(provider, properties::policyFor);
    }

    static boolean isProviderFailure(Throwable e) {
        HubException typed = Causes.find(e, HubException.class);
        return typed == null || typed instanceof ProviderException pe && pe.countsAsFailure();
    }
}
