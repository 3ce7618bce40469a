package io.connectify.hub.web;

import io.connectify.hub.resilience.ValidationException;

/** Typed reading of query parameters, with errors that name the parameter. */
public final class QueryParams {

    private QueryParams() {
    }

    public static int requiredInt(String name, String value, int min, int max) {
        if (value == null || value.isBlank()) {
            throw new ValidationException("Query parameter '" + name + "' is required");
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                throw new ValidationException("Query parameter '" + name + "' must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ValidationException("Query parameter '" + name + "' must be a whole number");
        }
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
}
