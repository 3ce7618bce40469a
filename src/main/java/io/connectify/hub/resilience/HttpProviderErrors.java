package io.connectify.hub.resilience;

import java.io.IOException;

import io.connectify.hub.resilience.ProviderException.Kind;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures of the providers the hub calls over camel-http (Payrexx, SendGrid) as typed hub errors, by HTTP status:
 * 404 not found (the provider's own, a JSON error: a proxy's page is a passing failure, {@link ForeignNotFound}),
 * 429 rate limited (Retry-After kept), 401/403 credentials refused (502, logged, not retried), other
 * 4xx a request the provider rejects (400), 5xx and dropped connections retryable. The provider's own error text is
 * not passed on.
 */
public final class HttpProviderErrors {

    private static final Logger log = LoggerFactory.getLogger(HttpProviderErrors.class);

    private HttpProviderErrors() {
    }

    public static HubException translate(String provider, String name, Throwable failure) {
        HubException typed = Causes.find(failure, HubException.class);
        if (typed != null) {
            return typed;
        }
        HttpOperationFailedException http = Causes.find(failure, HttpOperationFailedException.class);
        if (http != null) {
            int status = http.getStatusCode();
            if (status == 404) {
                String contentType = header(http, "Content-Type");
                if (ForeignNotFound.is(contentType, http.getResponseBody())) {
                    return ForeignNotFound.unavailable(provider, name, contentType);
                }
                return new NotFoundException(name + " has no such object");
            }
            if (status == 429) {
                return new ProviderException(provider, Kind.RATE_LIMITED, name + " rate limit reached",
                        RetryAfter.of(http.getResponseHeaders()), null);
            }
            if (status == 401 || status == 403) {
                log.error("{} refused the hub's credentials: HTTP {}", name, status);
                return new ProviderException(provider, Kind.REJECTED, name + " answered HTTP " + status, null, null);
            }
            if (status >= 400 && status < 500) {
                return new ValidationException(name + " rejected the request (HTTP " + status + ")");
            }
            log.warn("{} server error: HTTP {}", name, status);
            return new ProviderException(provider, Kind.UNAVAILABLE, name + " answered HTTP " + status, null, null);
        }
        if (Causes.find(failure, IOException.class) != null) {
            log.warn("{} unreachable", name);
            return new ProviderException(provider, Kind.UNAVAILABLE, name + " did not answer", null, null);
        }
        log.error("{} call failed before reaching {}: {}", name, name, failure.getClass().getName());
        return new ProviderException(provider, Kind.REJECTED, name + " request failed", null, null);
    }

    private static String header(HttpOperationFailedException http, String name) {
        if (http.getResponseHeaders() == null) {
            return null;
        }
        return http.getResponseHeaders().entrySet().stream().filter(h -> name.equalsIgnoreCase(h.getKey()))
                .map(java.util.Map.Entry::getValue).findFirst().orElse(null);
    }
}
