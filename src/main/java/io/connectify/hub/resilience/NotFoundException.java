package io.connectify.hub.resilience;

/** 404; not final: a provider may say more about why (the calendar's deleted event). */
public non-sealed class NotFoundException extends HubException {

    public NotFoundException(String detail) {
        super("not-found", 404, "Not found", detail, null);
    }
}
