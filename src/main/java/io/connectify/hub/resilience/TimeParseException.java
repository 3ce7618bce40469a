package io.connectify.hub.resilience;

public final class TimeParseException extends HubException {

    public TimeParseException(String detail) {
        super("time-parse", 400, "Invalid time", detail, null);
    }
}
