package io.connectify.hub.resilience;

/** The resource exists but is in a state that does not allow the operation (cancel an expired booking). */
public final class InvalidStateException extends HubException {

    public InvalidStateException(String detail) {
        super("invalid-state", 409, "Operation not allowed in this state", detail, null);
    }
}
