package io.connectify.hub.resilience;

import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.stereotype.Component;

/**
 * Shared error handling of every route that answers a REST caller (they say {@code routeConfigurationId:
 * api-errors}): any failure becomes problem+json. Provider routes do not use it, so their callers see the typed
 * exception itself.
 */
@Component
public class ApiErrorRouteConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "api-errors";

    @Override
    public void configuration() {
        routeConfiguration(ID)
                .onException(Exception.class)
                .handled(true)
                .bean("problemResponder", "respond");
    }
}
