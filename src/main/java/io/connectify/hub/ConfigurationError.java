package io.connectify.hub;

import java.util.Locale;

/**
 * A configuration the hub cannot start with (a live provider without a credential it needs, a key file that does not
 * parse, a value out of its range, two values that do not fit together), found as a property is bound or a bean is
 * made. {@link ConfigurationErrorAnalyzer} prints it as Spring Boot prints a property that does not bind: one
 * "APPLICATION FAILED TO START" block with its description and action, no stack. Before, such a start ended in
 * "Application run failed" and six or seven nested causes, the hub's message only in the last. The message names the
 * property and never holds a secret. An IllegalArgumentException: a value the hub was given and cannot take.
 */
public class ConfigurationError extends IllegalArgumentException {

    private final String action;

    /** {@code description}: what is wrong, naming the property; {@code action}: what the operator sets to fix it. */
    public ConfigurationError(String description, String action) {
        super(description);
        this.action = action;
    }

    /** A value of {@code property} out of what the hub takes ({@code description} says why): set it otherwise. */
    public static ConfigurationError invalid(String property, String description) {
        return new ConfigurationError(description, "Set " + property + " (environment variable " + variable(property)
                + ") to a value the description allows, or remove it for its default in application.yaml.");
    }

    /**
     * A value out of what the hub takes, {@code description} starting with the property's name (as every check's
     * message does): "connectify.http.max-body-bytes must be at least 1 …".
     */
    public static ConfigurationError invalid(String description) {
        int end = 0;
        while (end < description.length() && " ,(:".indexOf(description.charAt(end)) < 0) {
            end++;
        }
        return invalid(description.substring(0, end), description);
    }

    /** Two or more properties that do not fit together ({@code description} names them): change one of them. */
    public static ConfigurationError mismatch(String description, String... properties) {
        StringBuilder named = new StringBuilder();
        for (int i = 0; i < properties.length; i++) {
            named.append(i == 0 ? "" : i == properties.length - 1 ? " or " : ", ").append(properties[i])
                    .append(" (").append(variable(properties[i])).append(')');
        }
        return new ConfigurationError(description, "Change " + named + " so that they fit as the description says.");
    }

    /** The environment variable Spring Boot binds {@code property} from: CONNECTIFY_HTTP_MAXBODYBYTES. */
    static String variable(String property) {
        return property.replace("-", "").replace('.', '_').replace("[", "_").replace("]", "")
                .toUpperCase(Locale.ROOT);
    }

    public String action() {
        return action;
    }
}
