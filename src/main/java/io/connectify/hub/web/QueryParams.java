package io.connectify.hub.web;

import java.time.Instant;
import java.util.regex.Pattern;

import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.resilience.CalculationException;
import io.connectify.hub.resilience.ValidationException;

/** Typed reading of query parameters, with errors that name the parameter. */
public final class QueryParams {

    private static final Pattern ASCII_DIGITS = Pattern.compile("[0-9]+");

    private QueryParams() {
    }

    /**
     * ASCII digits only, as in JSON: Integer.parseInt also took a sign ({@code +60}, and {@code ?duration=+60} is a
     * space before the digits, which a trim took too) and any script's digits (Arabic-Indic {@code ٦٠}, fullwidth
     * {@code ６０}), each read as 60.
     */
    public static int requiredInt(String name, String value, int min, int max) {
        if (value == null || value.isEmpty()) {
            throw new ValidationException("Query parameter '" + name + "' is required");
        }
        if (!ASCII_DIGITS.matcher(value).matches()) {
            throw new ValidationException("Query parameter '" + name + "' must be a whole number in digits 0-9");
        }
        String digits = value.replaceFirst("^0+(?=.)", "");
        long n = digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits); // digits only: no sign, no overflow
        if (n < min || n > max) {
            throw new ValidationException("Query parameter '" + name + "' must be between " + min + " and " + max);
        }
        return (int) n;
    }

    /**
     * The from..to range of a list, each end an RFC 3339 time, missing or empty: open; 422 when {@code to} is not
     * after {@code from} (an empty answer would say there is nothing in a range that holds no time at all).
     */
    public static TimeRange optionalRange(String from, String to) {
        Instant fromInstant = from == null || from.isBlank() ? Instant.EPOCH : Rfc3339.parse("from", from).toInstant();
        Instant toInstant = to == null || to.isBlank() ? Instant.parse("9999-12-31T00:00:00Z")
                : Rfc3339.parse("to", to).toInstant();
        if (!toInstant.isAfter(fromInstant)) {
            throw new CalculationException("'to' must be after 'from'");
        }
        return new TimeRange(fromInstant, toInstant);
    }

    public static <E extends Enum<E>> E optionalEnum(String name, String value, Class<E> type) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("Query parameter '" + name + "' has an unknown value");
        }
    }

    /** Absent or empty: false; else {@code true} or {@code false} (any case), anything else 400. */
    public static boolean optionalBoolean(String name, String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new ValidationException("Query parameter '" + name + "' must be true or false");
        }
        return v.equals("true");
    }
}
