package io.connectify.hub.calendar;

import io.connectify.hub.resilience.ProviderException;

/**
 * Google's token endpoint refused the hub's key (any answer of it but a rate limit, a timeout or a server error:
 * {@code invalid_grant}, {@code invalid_client} and the like), before any Calendar call. To callers, the retries and
 * the breaker a {@link ProviderException.Kind#REJECTED REJECTED} provider error as any other (502 provider-error, not
 * retried); its type tells the hub's own code that no calendar or event was refused.
 */
public final class KeyRefusedException extends ProviderException {

    KeyRefusedException(String detail) {
        super(GoogleCalendarConfig.PROVIDER, Kind.REJECTED, detail, null, null);
    }
}
