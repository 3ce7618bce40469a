package io.connectify.hub.notification;

import java.io.IOException;

import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.RetryAfter;
import io.connectify.hub.resilience.ProviderException.Kind;
import io.connectify.hub.resilience.ValidationException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SendGrid HTTP failures as typed hub errors; SendGrid's error text is not passed on. */
public final class SendGridErrors {

    private static final Logger log = LoggerFactory.getLogger(SendGridErrors.class);
    private static final String PROVIDER = NotificationConfig.SENDGRID;

    private SendGridErrors() {
    }

    public static HubException translate(Throwable failure) {
        HubException typed = Causes.find(failure, HubException.class);
        if (typed != null) {
            return typed;
        }
        HttpOperationFailedException http = Causes.find(failure, HttpOperationFailedException.class);
        if (http != null) {
            int status = http.getStatusCode();
            if (status == 429) {
                return new ProviderException(PROVIDER, Kind.RATE_LIMITED, "SendGrid rate limit reached",
                        RetryAfter.of(http.getResponseHeaders()), null);
            }
            if (status == 401 || status == 403) {
                log.error("SendGrid refused the hub's API key: HTTP {}", status);
                return new ProviderException(PROVIDER, Kind.REJECTED, "SendGrid answered HTTP " + status, null, null);
            }
            if (status >= 400 && status < 500) {
                return new ValidationException("SendGrid rejected the email (HTTP " + status + ")");
            }
            log.warn("SendGrid server error: HTTP {}", status);
            return new ProviderException(PROVIDER, Kind.UNAVAILABLE, "SendGrid answered HTTP " + status, null, null);
        }
        if (Causes.find(failure, IOException.class) != null) {
            return new ProviderException(PROVIDER, Kind.UNAVAILABLE, "SendGrid did not answer", null, null);
        }
        log.error("SendGrid call failed before reaching SendGrid: {}", failure.getClass().getName());
        return new ProviderException(PROVIDER, Kind.REJECTED, "SendGrid request failed", null, null);
    }
}
