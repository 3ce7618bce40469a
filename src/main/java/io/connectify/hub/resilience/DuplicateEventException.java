package io.connectify.hub.resilience;

public final class DuplicateEventException extends HubException {

    public DuplicateEventException(String detail) {
        super("duplicate-event", 409, "Calendar event already exists", detail, null);
    }
}
