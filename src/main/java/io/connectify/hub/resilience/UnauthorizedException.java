package io.connectify.hub.resilience;

/** 401: a request without the credential its endpoint needs (a webhook's token), or with a wrong one. */
public final class UnauthorizedException extends HubException {

    public UnauthorizedException(String detail) {
        super("unauthorized", 401, "Unauthorized", detail, null);
    }
}
