package io.connectify.hub.resilience;

import java.time.Duration;
import java.util.Map;

/** The Retry-After a provider sent with a 429 or 503, in seconds; an HTTP-date or nothing gives null. */
public final class RetryAfter {

    private RetryAfter() {
    }

    public static Duration of(Map<String, String> headers) {
        if (headers == null) {
            return null;
        }
        for (var header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase("Retry-After")) {
                return seconds(header.getValue());
            }
        }
        return null;
    }

    public static Duration seconds(String value) {
        try {
            return value == null ? null : Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException notSeconds) {
            return null; // an HTTP-date: the computed back-off applies
        }
    }
}
