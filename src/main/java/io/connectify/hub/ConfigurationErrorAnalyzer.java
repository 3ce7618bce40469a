package io.connectify.hub;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link ConfigurationError}, however deep among the bean creation's causes, into Spring Boot's start-up
 * failure report (registered in META-INF/spring.factories): its description and action, without the causes' stacks.
 */
public class ConfigurationErrorAnalyzer extends AbstractFailureAnalyzer<ConfigurationError> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationError cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
