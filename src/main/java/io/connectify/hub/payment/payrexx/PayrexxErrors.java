package io.connectify.hub.payment.payrexx;

import java.io.IOException;

import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.RetryAfter;
import io.connectify.hub.resilience.ProviderException.Kind;
import io.connectify.hub.resilience.ValidationException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Payrexx HTTP failures as typed hub errors; Payrexx's message text is not passed on. */
public final class PayrexxErrors {

    private static final Logger log = LoggerFactory.getLogger(PayrexxErrors.class);
    private static final String PROVIDER = PayrexxConfig.PROVIDER;

    private PayrexxErrors() {
    }

    public static HubException translate(Throwable failure) {
        HubException typed = Causes.find(failure, HubException.class);
        if (typed != null) {
            return typed;
        }
        HttpOperationFailedException http = Causes.find(failure, HttpOperationFailedException.class);
        if (http != null) {
            return fromStatus(http.getStatusCode(), RetryAfter.of(http.getResponseHeaders()));
        }
        IOException io = Causes.find(failure, IOException.class);
        if (io != null) {
            log.warn("Payrexx unreachable: {}", io.getClass().getSimpleName());
            return new ProviderException(PROVIDER, Kind.UNAVAILABLE, "Payrexx did not answer", null, null);
        }
        log.error("Payrexx call failed before reaching Payrexx: {}", failure.getClass().getName());
        return new ProviderException(PROVIDER, Kind.REJECTED, "Payrexx request failed", null, null);
    }

    static HubException fromStatus(int status, java.time.Duration retryAfter) {
        if (status == 404) {
            return new NotFoundException("Payrexx has no such object");
        }
        if (status == 429) {
            return new ProviderException(PROVIDER, Kind.RATE_LIMITED, "Payrexx rate limit reached", retryAfter, null);
        }
        if (status == 401 || status == 403) {
            log.error("Payrexx refused the hub's credentials: HTTP {}", status);
            return new ProviderException(PROVIDER, Kind.REJECTED, "Payrexx answered HTTP " + status, null, null);
        }
        if (status >= 400 && status < 500) {
            return new ValidationException("Payrexx rejected the request (HTTP " + status + ")");
        }
        log.warn("Payrexx server error: HTTP {}", status);
        return new ProviderException(PROVIDER, Kind.UNAVAILABLE, "Payrexx answered HTTP " + status, null, null);
    }
}
