package io.connectify.hub.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A Google API error answer: HTTP status, the first error's reason and a message, rendered in Google's JSON shape
 * (what {@code GoogleJsonResponseException#getDetails()} parses). Thrown by the simulator's store and handlers.
 */
final class GoogleApiError extends RuntimeException {

    private final int code;
    private final String reason;

    GoogleApiError(int code, String reason, String message) {
        super(message, null, false, false); // control flow, not a failure: no stack trace
        this.code = code;
        this.reason = reason;
    }

    static GoogleApiError notFound() {
        return new GoogleApiError(404, "notFound", "Not Found");
    }

    static GoogleApiError badRequest(String reason, String message) {
        return new GoogleApiError(400, reason, message);
    }

    int code() {
        return code;
    }

    String reason() {
        return reason;
    }

    /** {"error":{"code":..,"message":..,"errors":[{"domain":"global","reason":..,"message":..}],"status":..}} */
    ObjectNode toJson() {
        ObjectNode body = SimulatorHttp.JSON.createObjectNode();
        ObjectNode error = body.putObject("error").put("code", code).put("message", getMessage());
        error.putArray("errors").addObject().put("domain", "global").put("reason", reason)
                .put("message", getMessage());
        String status = switch (code) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 404 -> "NOT_FOUND";
            case 409 -> "ALREADY_EXISTS";
            default -> null;
        };
        if (status != null) {
            error.put("status", status);
        }
        return body;
    }
}
