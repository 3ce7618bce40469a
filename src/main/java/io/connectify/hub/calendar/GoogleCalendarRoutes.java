package io.connectify.hub.calendar;

import io.connectify.hub.resilience.ProviderCalls;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The Google Calendar adapter: one route per operation, each a Circuit Breaker EIP around a rate-limited,
 * retried call to camel-google-calendar. Arguments travel as {@code CamelGoogleCalendar.*} headers; the body is
 * the typed Google object ({@code FreeBusyRequest}, {@code Event}).
 */
@Component
public class GoogleCalendarRoutes extends RouteBuilder {

    public static final String FREEBUSY = "direct:gcal-query-freebusy";
    public static final String INSERT = "direct:gcal-insert-event";
    public static final String GET = "direct:gcal-get-event";
    public static final String LIST = "direct:gcal-list-events";
    public static final String PATCH = "direct:gcal-patch-event";
    public static final String DELETE = "direct:gcal-delete-event";

    private final ProviderCalls calls;

    public GoogleCalendarRoutes(ProviderCalls calls) {
        this.calls = calls;
    }

    @Override
    public void configure() {
        operation(FREEBUSY, "Ask Google Calendar which ranges are busy", "freebusy/query?inBody=content");
        operation(INSERT, "Create a calendar event", "events/insert?inBody=content");
        operation(GET, "Read a calendar event", "events/get");
        operation(LIST, "List calendar events in a time range", "events/list");
        operation(PATCH, "Change fields of a calendar event", "events/patch?inBody=content");
        operation(DELETE, "Delete a calendar event", "events/delete");
    }

    private void operation(String endpoint, String description, String api) {
        String routeId = endpoint.substring("direct:".length());
        String uri = "google-calendar://" + api;
        from(endpoint)
                .routeId(routeId)
                .routeDescription(description)
                .circuitBreaker()
                    .resilience4jConfiguration().circuitBreaker("googleCalendarCircuitBreaker").end()
                    .process(calls.call(GoogleCalendarConfig.PROVIDER, uri, GoogleErrors::translate))
                .onFallback()
                    .process(calls.fallback(GoogleCalendarConfig.PROVIDER))
                .end();
    }
}
