package io.connectify.hub.resilience;

import java.time.Duration;

/**
 * The hub cannot take the request now, and the same request will succeed when asked again: 503 {@code unavailable}
 * with Retry-After (the type the web container's own 503 has, MvcProblemHandler). A webhook answered so is delivered
 * again by its provider; nothing of it was kept.
 */
public final class UnavailableException extends HubException {

    private final Duration retryAfter;

    public UnavailableException(String detail, Duration retryAfter) {
        super("unavailable", 503, "Service unavailable", detail, null);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
