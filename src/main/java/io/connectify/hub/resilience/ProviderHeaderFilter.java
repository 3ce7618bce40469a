package io.connectify.hub.resilience;

import io.connectify.hub.ops.CorrelationId;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;
import org.springframework.stereotype.Component;

/**
 * The headers a camel-http provider call sends ({@code ?headerFilterStrategy=#providerHeaderFilter}): camel-http's
 * own filter, and not Camel's breadcrumb header, which stays on the message for the steps after the call; the
 * provider gets the id as {@code X-Correlation-Id} instead.
 */
@Component
public class ProviderHeaderFilter extends HttpHeaderFilterStrategy {

    @Override
    protected void initialize() {
        super.initialize();
        getOutFilter().add(CorrelationId.CAMEL_HEADER.toLowerCase());
    }
}
