package io.connectify.hub.resilience;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** An RFC 9457 problem detail. {@code retryAfter} becomes the Retry-After header, not a body member. */
public record Problem(String type, String title, int status, String detail, String instance,
                      @JsonIgnore Duration retryAfter) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(HubException e, String instance) {
        Duration retryAfter = e instanceof ProviderException pe ? pe.retryAfter().orElse(null)
                : e instanceof InvalidStateException passing ? passing.retryAfter()
                : e instanceof UnavailableException unavailable ? unavailable.retryAfter() : null;
        return new Problem(e.type(), e.title(), e.status(), e.getMessage(), instance, retryAfter);
    }

    /** 415: a body the hub cannot read as sent (a servlet filter's answer, before any route). */
    public static Problem unsupportedMediaType(String detail, String instance) {
        return new Problem("unsupported-media-type", "Unsupported media type", 415, detail, instance, null);
    }

    /** 406: an answer in none of the media types the request accepts (a servlet filter's answer). */
    public static Problem notAcceptable(String detail, String instance) {
        return new Problem("not-acceptable", "Not acceptable", 406, detail, instance, null);
    }

    public static Problem internal(String instance) {
        return new Problem("internal-error", "Internal error", 500,
                "The hub could not complete the request; the failure is logged", instance, null);
    }
}
