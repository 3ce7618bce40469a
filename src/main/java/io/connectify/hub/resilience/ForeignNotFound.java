package io.connectify.hub.resilience;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A 404 that is not the provider's own. Every provider the hub calls answers a missing object with a JSON error
 * (Stripe's {@code {"error":…}}, Google's, Twilio's, SendGrid's {@code errors}, Payrexx's {@code {"status":"error"}});
 * a 404 with another body (an HTML page, plain text, nothing) comes from a proxy or load balancer in front of the
 * provider, whose route to it is missing for a moment (a deployment, a misrouted request). That says nothing about
 * the object: it is a passing failure of the provider's reach, retried, counted by its circuit breaker and replayed
 * like a 5xx, never the final "no such object" a dead letter would wait on a person for.
 */
public final class ForeignNotFound {

    private static final Logger log = LoggerFactory.getLogger(ForeignNotFound.class);

    private ForeignNotFound() {
    }

    /**
     * Whether a 404 answer is not the provider's: neither declared JSON ({@code application/json},
     * {@code application/problem+json}, …) nor a body that begins as a JSON object does (a provider's JSON sent with
     * a wrong content type still counts as its own).
     */
    public static boolean is(String contentType, String body) {
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json")) {
            return false;
        }
        return body == null || !body.stripLeading().startsWith("{");
    }

    /** The failure such a 404 is: the provider unavailable (its body, a proxy's page, is neither logged nor kept). */
    public static ProviderException unavailable(String provider, String name, String contentType) {
        String type = contentType == null || contentType.isBlank() ? "no content type"
                : contentType.split(";")[0].strip();
        log.warn("{} answered HTTP 404 with no answer of its own ({}): a proxy in front of it, retried", name, type);
        return new ProviderException(provider, ProviderException.Kind.UNAVAILABLE,
                name + " answered HTTP 404 from a proxy (" + type + ")", null, null);
    }
}
