package io.connectify.hub.resilience;

public final class NotFoundException extends HubException {

    public NotFoundException(String detail) {
        super("not-found", 404, "Not found", detail, null);
    }
}
