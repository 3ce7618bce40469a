package io.connectify.hub.resilience;

public final class SlotNotBookableException extends HubException {

    public SlotNotBookableException(String detail) {
        super("slot-not-bookable", 422, "Slot is outside bookable hours", detail, null);
    }
}
