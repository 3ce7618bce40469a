package io.connectify.hub;

/**
 * A configuration the hub cannot start with, found as a bean is made (a live provider without a credential it needs,
 * a key file that does not parse). {@link ConfigurationErrorAnalyzer} prints it as Spring Boot prints a property
 * that does not bind: one "APPLICATION FAILED TO START" block with its description and action, no stack. Before,
 * such a start ended in "Application run failed" and six or seven nested causes, the hub's message only in the
 * last. The message names the property and never holds a secret.
 */
public class ConfigurationError extends IllegalStateException {

    private final String action;

    /** {@code description}: what is wrong, naming the property; {@code action}: what the operator sets to fix it. */
    public ConfigurationError(String description, String action) {
        super(description);
        this.action = action;
    }

    public String action() {
        return action;
    }
}
