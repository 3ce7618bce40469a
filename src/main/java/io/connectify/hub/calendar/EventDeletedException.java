package io.connectify.hub.calendar;

import io.connectify.hub.resilience.NotFoundException;

/** Google's 410 Gone: the event existed and is deleted (its id stays taken); still a 404 to a reader. */
public final class EventDeletedException extends NotFoundException {

    public EventDeletedException() {
        super("Calendar event not found");
    }
}
