package io.connectify.hub;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Checks of configured values, run by the properties records as Spring Boot binds them at start: a value the hub
 * cannot work with stops the start with a message that names the property, instead of failing later at run time or
 * not at all. Plain comparisons only (no validator to bootstrap, no name lookup): the start's time is benchmarked.
 */
public final class PropertyChecks {

    /** Why an interval of 0 is refused: Camel's timer takes period 0 as "fire once". */
    public static final String TIMER = "how often a timer runs; Camel runs a timer of 0 once and never again";

    private PropertyChecks() {
    }

    /** {@code value}, which must be set and longer than zero. */
    public static Duration positive(String property, Duration value, String why) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(property + " must be longer than 0 (" + why + "), not "
                    + (value == null ? "empty" : value));
        }
        return value;
    }

    /** {@code value}, which may be unset (null) but not negative. */
    public static Duration notNegative(String property, Duration value, String why) {
        if (value != null && value.isNegative()) {
            throw new IllegalArgumentException(property + " must not be negative (" + why + "), not " + value);
        }
        return value;
    }

    public static long atLeast(String property, long value, long least, String why) {
        if (value < least) {
            throw new IllegalArgumentException(property + " must be at least " + least + " (" + why + "), not "
                    + value);
        }
        return value;
    }

    /** {@code value} trimmed and in lower case, which must be one of {@code allowed} (compared so). */
    public static String oneOf(String property, String value, List<String> allowed) {
        String normalized = value == null ? null : value.trim().toLowerCase(Locale.ROOT);
        if (normalized == null || !allowed.contains(normalized)) {
            throw new IllegalArgumentException(property + " must be one of " + String.join(", ", allowed) + ", not "
                    + (value == null || value.isBlank() ? "empty" : "'" + value + "'"));
        }
        return normalized;
    }
}
