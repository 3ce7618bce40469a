package io.connectify.hub.web;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The request body limit of {@code connectify.http}, bound here so that a value the hub cannot work with stops the
 * start ({@link BodySizeLimitFilter} takes it by {@code @Value}): {@code maxBodyBytes}, the largest request body (0
 * or less refused every request with a body).
 */
@ConfigurationProperties("connectify.http")
public record HttpProperties(int maxBodyBytes) {

    public HttpProperties {
        PropertyChecks.atLeast("connectify.http.max-body-bytes", maxBodyBytes, 1, "the largest request body");
    }
}
