package io.connectify.hub.resilience;

import java.time.Duration;

/**
 * The resource exists but is in a state that does not allow the operation (cancel an expired booking). With a
 * {@code retryAfter}, a passing state (a lock held by another change): the same request may succeed when asked
 * again, and the answer says so in Retry-After.
 */
public final class InvalidStateException extends HubException {

    private final Duration retryAfter;

    public InvalidStateException(String detail) {
        this(detail, null);
    }

    public InvalidStateException(String detail, Duration retryAfter) {
        super("invalid-state", 409, "Operation not allowed in this state", detail, null);
        this.retryAfter = retryAfter;
    }

    /** Null for a state that lasts. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
