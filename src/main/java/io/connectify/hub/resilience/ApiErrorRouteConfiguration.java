package io.connectify.hub.resilience;

import io.connectify.hub.web.PathParameters;
import io.connectify.hub.web.RequestParameters;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.stereotype.Component;

/**
 * Shared error handling of every route that answers a caller over HTTP (they say {@code routeConfigurationId:
 * api-errors}): any failure becomes problem+json. Provider adapter routes have no error handler of their own
 * ({@link ProviderRouteBuilder}), so their failures reach the caller's handling unchanged.
 */
@Component
public class ApiErrorRouteConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "api-errors";

    private final RequestParameters parameters;

    public ApiErrorRouteConfiguration(RequestParameters parameters) {
        this.parameters = parameters;
    }

    @Override
    public void configuration() {
        routeConfiguration(ID)
                // remembered at the start: adapter steps clear the headers before calling a provider
                .interceptFrom().setProperty(ProblemResponder.REQUEST_URI, header(Exchange.HTTP_URI))
                .process(parameters::bind)
                .process(PathParameters::useDecoded).end()
                .onException(Exception.class)
                .handled(true)
                .bean("problemResponder", "respond");
    }
}
