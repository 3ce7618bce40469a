package io.connectify.hub.notification;

import com.twilio.exception.ApiConnectionException;
import com.twilio.exception.ApiException;
import io.connectify.hub.resilience.AnswerLost;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.InvalidRecipientException;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.ProviderException.Kind;
import io.connectify.hub.resilience.ValidationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Twilio failures as typed hub errors: 21211, 21614 and 21610 the recipient refused 422, 20429/429 retried, 401 and
 * a refusal of the hub's own sending setup ({@link #SETUP_REFUSED}) 502 without detail; a request that went out and
 * got no answer, or a gateway's 502/503/504, is {@link AnswerLost}.
 */
public final class TwilioErrors {

    private static final Logger log = LoggerFactory.getLogger(TwilioErrors.class);
    private static final String PROVIDER = NotificationConfig.TWILIO;
    /**
     * Twilio's refusals of the hub's account or sender, not of the customer or the message: 21212 invalid From,
     * 21601/21606/21661 a From number that cannot send SMS (there), 21659 From not a Twilio number, 21607/21608 a
     * trial account (From not its trial number, To not verified), 21408 SMS to the To number's region not enabled
     * (geo permissions), 21701/21705 the configured Messaging Service not found (not this account's) or invalid, 21609
     * the hub's StatusCallback URL invalid (its public base URL). Every SMS (to that region) is refused until the
     * operator fixes the account or the hub's settings, so each is a provider error as a refused key is: the
     * provider's last error, a notification kept as a dead letter to replay once fixed, where failed for good it
     * reached no one and told no one. Those of the From number, Messaging Service or callback URL are failures for the
     * breaker as well; those of one recipient's region or number ({@link #RECIPIENT_NOT_PERMITTED}) are not.
     */
    static final java.util.Set<Integer> SETUP_REFUSED = java.util.Set.of(21212, 21408, 21601, 21606, 21607, 21608,
            21609, 21659, 21661, 21701, 21705);
    /**
     * The setup refusals that concern one recipient, not every SMS: 21408 (the To number's region not enabled), 21608
     * (trial account, To not verified). Twilio sends every other SMS: counted by the breaker, a burst to one
     * country not enabled opened Twilio's circuit, and the SMS to every country waited.
     */
    static final java.util.Set<Integer> RECIPIENT_NOT_PERMITTED = java.util.Set.of(21408, 21608);
    /** The recipient refused: 21211 not a valid number, 21614 not a mobile number, 21610 unsubscribed (STOP). */
    private static final java.util.Set<Integer> RECIPIENT_REFUSED = java.util.Set.of(21211, 21614, 21610);

    private TwilioErrors() {
    }

    /** Whether the failure leaves open whether Twilio took the request ({@link AnswerLost}). */
    public static boolean answerLost(HubException failure) {
        return AnswerLost.is(failure);
    }

    public static HubException translate(Throwable failure) {
        HubException typed = Causes.find(failure, HubException.class);
        if (typed != null) {
            return typed;
        }
        if (Causes.find(failure, ApiConnectionException.class) != null) {
            // twilio-java's "no response at all"; an I/O failure on the way arrives as an ApiException without status
            log.warn("Twilio unreachable");
            return new ProviderException(PROVIDER, Kind.UNAVAILABLE, "Twilio did not answer", null, null);
        }
        ApiException api = Causes.find(failure, ApiException.class);
        if (api == null) {
            log.error("Twilio call failed before reaching Twilio: {}", failure.getClass().getName());
            return new ProviderException(PROVIDER, Kind.REJECTED, "Twilio request failed", null, null);
        }
        int code = api.getCode() == null ? 0 : api.getCode();
        int status = api.getStatusCode() == null ? 0 : api.getStatusCode();
        if (RECIPIENT_REFUSED.contains(code)) {
            return new InvalidRecipientException("Twilio refused the recipient number (error " + code + ")");
        }
        if (SETUP_REFUSED.contains(code)) {
            log.error("Twilio refused the hub's sending setup: error {} (From number, Messaging Service, status "
                    + "callback URL, trial account or geo permissions: see Twilio's error {}); SMS wait as dead "
                    + "letters until it is fixed", code, code);
            return new ProviderException(PROVIDER, RECIPIENT_NOT_PERMITTED.contains(code) ? Kind.REJECTED_FOR_RECIPIENT
                    : Kind.REJECTED, "Twilio refused the hub's sending setup (error " + code + ")", null, null);
        }
        if (code == 20429 || status == 429) {
            // no Retry-After (one that came is read by RetargetedTwilioHttpClient): the hub's rate-limited-wait
            return new ProviderException(PROVIDER, Kind.RATE_LIMITED, "Twilio rate limit reached", null, null);
        }
        if (status == 401 || status == 403) {
            log.error("Twilio refused the hub's credentials: HTTP {} (error {})", status, code);
            return new ProviderException(PROVIDER, Kind.REJECTED, "Twilio answered HTTP " + status, null, null);
        }
        if (status >= 500 || status == 0) {
            // no status: the answer was no Twilio answer at all (connection dropped, empty or foreign reply)
            log.warn("Twilio server error: HTTP {} (error {})", status, code);
            // twilio-java reports an I/O failure (read timeout, reset) as an ApiException without status: whether the
            // message was taken is open, unless no connection was ever made. A 502, 503 or 504 may be an edge or proxy
            // answering for a backend that timed out or dropped after it created the message: open too. A 500 is
            // Twilio's API answering its own error: nothing was taken
            boolean lost = status == 0 ? !AnswerLost.neverConnected(api) : AnswerLost.GATEWAY_STATUSES.contains(status);
            return lost ? new AnswerLost(PROVIDER, "Twilio answered HTTP " + status)
                    : new ProviderException(PROVIDER, Kind.UNAVAILABLE, "Twilio answered HTTP " + status, null, null);
        }
        return new ValidationException("Twilio rejected the message (error " + code + ")");
    }
}
