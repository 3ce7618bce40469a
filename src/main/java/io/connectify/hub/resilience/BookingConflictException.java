package io.connectify.hub.resilience;

public final class BookingConflictException extends HubException {

    public BookingConflictException(String detail) {
        super("booking-conflict", 409, "Slot is not available", detail, null);
    }
}
