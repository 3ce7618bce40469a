package io.connectify.hub.resilience;

import java.time.Duration;
import java.util.Optional;

/**
 * A provider call failed. {@link Kind} decides the HTTP status the caller sees and whether the hub retries and
 * the circuit breaker counts it. The detail names the provider and status only, never the provider's raw body.
 * A provider's package may subclass it to tell one failure apart for its own callers (Google's key refused by its
 * token endpoint); the kind alone decides the answer, the retries and the breaker, whatever the class.
 */
public non-sealed class ProviderException extends HubException {

    public enum Kind {
        /** 429 from the provider: retried, honouring Retry-After; 429 to the caller when retries run out. */
        RATE_LIMITED(429, "rate-limited", "Provider rate limit reached", true, true),
        /** 5xx, timeout, connection failure: retried, counted by the breaker; 502 when retries run out. */
        UNAVAILABLE(502, "provider-error", "Provider error", true, true),
        /** The hub's own rate limiter had no permit in time: 429 to the caller, not a provider failure. */
        THROTTLED(429, "rate-limited", "Rate limit reached", false, false),
        /** Circuit open or call not permitted: 503 with Retry-After. */
        CIRCUIT_OPEN(503, "provider-unavailable", "Provider temporarily unavailable", false, false),
        /**
         * The provider answered, but without what the caller needs (Google's FreeBusy could not read the calendar,
         * inside a 200): 503 with Retry-After, ask again later. Found after the call, so neither retried by the hub
         * nor seen by the breaker.
         */
        INCOMPLETE(503, "provider-unavailable", "Provider temporarily unavailable", false, false),
        /**
         * The answer to an earlier request was lost, and what the provider lists cannot tell whether it took it (two
         * requests it took that could each be it, or more than the lookup reads): nothing sent, retried (the other may
         * be recorded meanwhile), 502 when retries run out. The provider answered: not a failure for the breaker.
         */
        UNDECIDED(502, "provider-error", "Provider error", true, false),
        /** Credentials rejected or the request refused (401/403/400): not retried, 502. */
        REJECTED(502, "provider-error", "Provider error", false, true),
        /**
         * The provider refused this request for a reason of the hub's account that holds for some recipients only
         * (Twilio: SMS to a country its geo permissions leave out, to a number a trial account has not verified): a
         * refusal as {@link #REJECTED} (502, not retried, kept for the operator), but no failure for the breaker: the
         * provider serves every other recipient, and a burst to one country must not hold up the SMS to all others.
         */
        REJECTED_FOR_RECIPIENT(502, "provider-error", "Provider error", false, false);

        final int status;
        final String type;
        final String title;
        final boolean retryable;
        final boolean countsAsFailure;

        Kind(int status, String type, String title, boolean retryable, boolean countsAsFailure) {
            this.status = status;
            this.type = type;
            this.title = title;
            this.retryable = retryable;
            this.countsAsFailure = countsAsFailure;
        }
    }

    private final String provider;
    private final Kind kind;
    private final Duration retryAfter;
    private final boolean nothingSent;

    public ProviderException(String provider, Kind kind, String detail, Duration retryAfter, Throwable cause) {
        this(provider, kind, detail, retryAfter, cause, kind == Kind.CIRCUIT_OPEN);
    }

    /**
     * @param nothingSent no attempt of the call reached the provider: the circuit breaker or the hub's rate limiter
     *                    refused it before the first (see {@link #nothingSent()})
     */
    public ProviderException(String provider, Kind kind, String detail, Duration retryAfter, Throwable cause,
                             boolean nothingSent) {
        super(kind.type, kind.status, kind.title, detail, cause);
        this.provider = provider;
        this.kind = kind;
        this.retryAfter = retryAfter;
        this.nothingSent = nothingSent;
    }

    public ProviderException(String provider, Kind kind, String detail) {
        this(provider, kind, detail, null, null);
    }

    public String provider() {
        return provider;
    }

    public Kind kind() {
        return kind;
    }

    public boolean retryable() {
        return kind.retryable;
    }

    /**
     * Whether the provider refused the call for good ({@link Kind#REJECTED}, {@link Kind#REJECTED_FOR_RECIPIENT}):
     * asked again unchanged, it refuses again until someone mends the request or the hub's account.
     */
    public boolean refused() {
        return kind == Kind.REJECTED || kind == Kind.REJECTED_FOR_RECIPIENT;
    }

    /** Whether the circuit breaker records this as a failure of the provider (a client error is not). */
    public boolean countsAsFailure() {
        return kind.countsAsFailure;
    }

    /**
     * Whether the hub certainly sent the provider nothing of this call, so that it changed nothing: an open circuit
     * (the breaker refused the call before its first attempt), or the hub's rate limiter refusing the first attempt.
     * Not a refusal of a retry: an earlier attempt was sent, and its answer may have been lost after the provider
     * acted on it.
     */
    public boolean nothingSent() {
        return nothingSent;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
