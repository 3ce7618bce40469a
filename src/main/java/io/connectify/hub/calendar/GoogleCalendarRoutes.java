package io.connectify.hub.calendar;

import io.connectify.hub.resilience.ProviderCalls;
import io.connectify.hub.resilience.ProviderRouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The Google Calendar adapter routes over camel-google-calendar. Arguments travel as
 * {@code CamelGoogleCalendar.*} headers; the body is the typed Google object ({@code FreeBusyRequest}, {@code Event}).
 */
@Component
public class GoogleCalendarRoutes extends ProviderRouteBuilder {

    public static final String FREEBUSY = "direct:gcal-query-freebusy";
    public static final String INSERT = "direct:gcal-insert-event";
    public static final String GET = "direct:gcal-get-event";
    public static final String LIST = "direct:gcal-list-events";
    public static final String PATCH = "direct:gcal-patch-event";
    /** A PATCH putting an event back as its booking has it, audited apart from the change it undoes. */
    public static final String PATCH_BACK = "direct:gcal-patch-event-back";
    public static final String DELETE = "direct:gcal-delete-event";
    public static final String WATCH = "direct:gcal-watch-events";
    public static final String STOP_CHANNEL = "direct:gcal-stop-channel";

    public GoogleCalendarRoutes(ProviderCalls calls) {
        super(calls, GoogleCalendarConfig.PROVIDER, "googleCalendarCircuitBreaker", GoogleErrors::translate);
    }

    @Override
    protected void routes() {
        operation(FREEBUSY, "Ask Google Calendar which ranges are busy", "google-calendar://freebusy/query?inBody=content",
                GoogleErrors.translating("FreeBusy query"));
        operation(INSERT, "Create a calendar event", "google-calendar://events/insert?inBody=content");
        operation(GET, "Read a calendar event", "google-calendar://events/get");
        operation(LIST, "List calendar events in a time range", "google-calendar://events/list",
                GoogleErrors.translating("event list query"));
        operation(PATCH, "Change fields of a calendar event", "google-calendar://events/patch?inBody=content");
        operation(PATCH_BACK, "Put a calendar event back as its booking has it",
                "google-calendar://events/patch?inBody=content");
        operation(DELETE, "Delete a calendar event", "google-calendar://events/delete");
        operation(WATCH, "Open a push channel on the calendar's events",
                "google-calendar://events/watch?inBody=contentChannel", GoogleErrors.translating("push channel"));
        operation(STOP_CHANNEL, "Stop a push channel", "google-calendar://channels/stop?inBody=contentChannel",
                GoogleErrors.translating("push channel"));
    }
}
