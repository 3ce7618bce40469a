package io.connectify.hub;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Turns a {@link ConfigurationError}, however deep among the bean creation's causes, into Spring Boot's start-up
 * failure report (registered in META-INF/spring.factories): its description and action, without the causes' stacks.
 * First among the analyzers: one thrown as a properties record is bound would otherwise be Spring Boot's bind report,
 * "Reason: java.lang.IllegalArgumentException: …" and the action "Update your application's configuration".
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ConfigurationErrorAnalyzer extends AbstractFailureAnalyzer<ConfigurationError> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationError cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
