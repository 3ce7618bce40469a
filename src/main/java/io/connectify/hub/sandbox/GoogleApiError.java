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

    /** Google's error for a status the sandbox's failure switch answers, with the reason Google gives it. */
    static GoogleApiError of(int status) {
        return switch (status) {
            case 400 -> badRequest("badRequest", "Bad Request");
            case 401 -> new GoogleApiError(401, "authError", "Invalid Credentials");
            case 403 -> new GoogleApiError(403, "forbidden", "Forbidden");
            case 404 -> notFound();
            case 409 -> new GoogleApiError(409, "duplicate", "The requested identifier already exists.");
            case 410 -> new GoogleApiError(410, "deleted", "Resource has been deleted");
            case 429 -> new GoogleApiError(429, "rateLimitExceeded", "Rate Limit Exceeded");
            case 503 -> new GoogleApiError(503, "backendError", "The service is currently unavailable.");
            default -> status >= 500 ? new GoogleApiError(status, "backendError", "Backend Error")
                    : badRequest("invalid", "Invalid Value");
        };
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
            case 403 -> "PERMISSION_DENIED";
            case 409 -> "ALREADY_EXISTS";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 500 -> "INTERNAL";
            case 503 -> "UNAVAILABLE";
            default -> null;
        };
        if (status != null) {
            error.put("status", status);
        }
        return body;
    }
}
