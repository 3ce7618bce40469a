package io.connectify.hub.calendar;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import com.google.api.client.googleapis.json.GoogleJsonError;
import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.HttpResponseException;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.DuplicateEventException;
import io.connectify.hub.resilience.ForeignNotFound;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.RetryAfter;
import io.connectify.hub.resilience.ProviderException.Kind;
import io.connectify.hub.resilience.ValidationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Google Calendar failures as typed hub errors (the integration document's GcalError variants). Only the status
 * and Google's reason code are kept: the component's messages print its argument map, key path included, so they
 * never reach a log line or a response.
 */
public final class GoogleErrors {

    private static final Logger log = LoggerFactory.getLogger(GoogleErrors.class);
    private static final String PROVIDER = GoogleCalendarConfig.PROVIDER;
    /** What refused credentials ask of a person, whether the API or its token endpoint refused them. */
    private static final String CHECK_THE_KEY = "check the service account key (connectify.gcal.key-path): revoked, "
            + "deleted, or its account disabled";
    /** How the detail of every failure of the token endpoint begins (no Calendar call was made). */
    private static final String TOKEN_ENDPOINT_ANSWERED = "Google's token endpoint answered HTTP ";

    /** Google's reason for an event (or a FreeBusy query) whose end is not after its start. */
    public static final String TIME_RANGE_EMPTY = "timeRangeEmpty";
    /** Google's message for it: only for an answer that gives no reason. */
    private static final String TIME_RANGE_EMPTY_MESSAGE = "The specified time range is empty.";

    private GoogleErrors() {
    }

    /** A failure of a call on the calendar's events: a 400 says Google rejected "the event". */
    public static HubException translate(Throwable failure) {
        return translate(failure, "event");
    }

    /**
     * Failures of a call on {@code what} (the FreeBusy query, the push channel): Google's 400 names it, where every
     * 400 said "the event", a FreeBusy query's too.
     */
    public static Function<Throwable, HubException> translating(String what) {
        return failure -> translate(failure, what);
    }

    private static HubException translate(Throwable failure, String what) {
        TokenEndpointAnswer token = TokenEndpointAnswer.in(failure);
        if (token != null) {
            return fromTokenEndpoint(token);
        }
        HttpResponseException http = Causes.find(failure, HttpResponseException.class);
        if (http != null) {
            String contentType = http.getHeaders() == null ? null : http.getHeaders().getContentType();
            if (http.getStatusCode() == 404 && ForeignNotFound.is(contentType, http.getContent())) {
                // not Google's notFound (always JSON): a proxy's page, which says nothing of the event
                return ForeignNotFound.unavailable(PROVIDER, "Google Calendar", contentType);
            }
            return fromStatus(http.getStatusCode(), reason(http), retryAfter(http), what);
        }
        IOException io = Causes.find(failure, IOException.class);
        if (io != null) {
            log.warn("Google Calendar unreachable: {}", io.getClass().getSimpleName());
            return new ProviderException(PROVIDER, Kind.UNAVAILABLE, "Google Calendar did not answer", null, null);
        }
        // an argument or mapping error on our side: retrying cannot help
        log.error("Google Calendar call failed before reaching Google: {}", failure.getClass().getName());
        return new ProviderException(PROVIDER, Kind.REJECTED, "Google Calendar request failed", null, null);
    }

    /**
     * Google's token endpoint refused or failed the hub's token request, before any Calendar call. Its 400 or 401
     * ({@code invalid_grant}: the key revoked or deleted, or its account disabled or gone; {@code invalid_client},
     * {@code unauthorized_client}) refuses the key, not the request it was for: never a validation error.
     */
    static HubException fromTokenEndpoint(TokenEndpointAnswer token) {
        int status = token.status();
        String detail = TOKEN_ENDPOINT_ANSWERED + status
                + (token.error() != null ? " (" + token.error() + ")" : "");
        if (status == 429) {
            return new ProviderException(PROVIDER, Kind.RATE_LIMITED, "Google's token endpoint rate limit reached",
                    retryAfter(token.answer()), null);
        }
        if (status >= 500 || status == 408) {
            log.warn("Google's token endpoint failed: {}", detail);
            return new ProviderException(PROVIDER, Kind.UNAVAILABLE, detail, null, null);
        }
        // the key's token_uri answers for the key (a 404 is a token_uri of no token endpoint): the key to look at
        log.error("Google refused the hub's credentials: {}; {}", detail, CHECK_THE_KEY);
        return new KeyRefusedException(detail);
    }

    /**
     * Whether {@code failure} is Google's token endpoint refusing the hub's key ({@link KeyRefusedException}, logged
     * here already with what it asks of a person): no Calendar call was made, so nothing about a calendar or an event
     * was refused.
     */
    public static boolean keyRefused(Throwable failure) {
        return Causes.find(failure, ProviderException.class) instanceof KeyRefusedException;
    }

    static HubException fromStatus(int status, String reason, Duration retryAfter, String what) {
        String detail = "Google Calendar answered HTTP " + status + (reason != null ? " (" + reason + ")" : "");
        if (status == 410) {
            return new EventDeletedException();
        }
        if (status == 404) {
            return new NotFoundException("Calendar event not found");
        }
        if (status == 409) {
            return new DuplicateEventException("A calendar event with this id already exists");
        }
        if (status == 429 || (status == 403 && reason != null && reason.endsWith("RateLimitExceeded"))
                || "rateLimitExceeded".equals(reason)) {
            return new ProviderException(PROVIDER, Kind.RATE_LIMITED, "Google Calendar rate limit reached",
                    retryAfter, null);
        }
        if (status == 401) {
            // the credentials themselves: the key revoked or deleted, its service account disabled or gone
            log.error("Google Calendar refused the hub's credentials: {}; {}", detail, CHECK_THE_KEY);
            return new ProviderException(PROVIDER, Kind.REJECTED, detail, null, null);
        }
        if (status == 403) {
            // the credentials accepted, this call not allowed: not a key to replace, and saying so sent people there
            log.error("Google Calendar accepted the hub's credentials but refused the call: {}; {}", detail,
                    forbidden(reason));
            return new ProviderException(PROVIDER, Kind.REJECTED, detail, null, null);
        }
        if (status == 400) {
            return new ValidationException("Google Calendar rejected the " + what
                    + (reason != null ? ": " + reason : ""), reason);
        }
        if (status >= 500) {
            log.warn("Google Calendar server error: {}", detail);
            return new ProviderException(PROVIDER, Kind.UNAVAILABLE, detail, null, null);
        }
        log.warn("Unexpected Google Calendar answer: {}", detail);
        return new ProviderException(PROVIDER, Kind.REJECTED, detail, null, null);
    }

    /** What a 403 asks of a person, by Google's reason. */
    private static String forbidden(String reason) {
        if ("accessNotConfigured".equals(reason)) {
            return "enable the Google Calendar API in the service account's Google Cloud project";
        }
        if ("quotaExceeded".equals(reason) || "dailyLimitExceeded".equals(reason)) {
            return "a quota of the service account's Google Cloud project is used up (its console shows which)";
        }
        // forbidden, insufficientPermissions, requiredAccessLevel and the like: the calendar's sharing
        return "check that the calendar (connectify.gcal.calendar-id) is shared with the hub's service account, "
                + "with the right to make changes to events";
    }

    /**
     * Google's reason (error.errors[].reason): the first one's, or {@link #TIME_RANGE_EMPTY} when any error of a 400
     * has it. An answer with no reason at all is taken as {@link #TIME_RANGE_EMPTY} by Google's message for it, the
     * only place its wording counts: a reason is kept whatever the message says (Google words and localizes them).
     */
    private static String reason(HttpResponseException e) {
        if (!(e instanceof GoogleJsonResponseException g) || g.getDetails() == null) {
            return null;
        }
        GoogleJsonError details = g.getDetails();
        List<GoogleJsonError.ErrorInfo> errors = details.getErrors() == null ? List.of() : details.getErrors();
        if (e.getStatusCode() == 400 && errors.stream().anyMatch(error -> TIME_RANGE_EMPTY.equals(error.getReason()))) {
            return TIME_RANGE_EMPTY;
        }
        String first = errors.stream().map(GoogleJsonError.ErrorInfo::getReason).filter(Objects::nonNull)
                .findFirst().orElse(null);
        if (first == null && e.getStatusCode() == 400 && (TIME_RANGE_EMPTY_MESSAGE.equals(details.getMessage())
                || errors.stream().anyMatch(error -> TIME_RANGE_EMPTY_MESSAGE.equals(error.getMessage())))) {
            return TIME_RANGE_EMPTY;
        }
        return first;
    }

    private static Duration retryAfter(HttpResponseException e) {
        return e.getHeaders() == null ? null : RetryAfter.seconds(e.getHeaders().getRetryAfter());
    }
}
