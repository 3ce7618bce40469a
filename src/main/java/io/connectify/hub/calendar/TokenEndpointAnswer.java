package io.connectify.hub.calendar;

import java.io.IOException;
import java.util.regex.Pattern;

import com.google.api.client.http.HttpResponseException;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.client.util.GenericData;
import com.google.auth.Retryable;

/**
 * What Google's OAuth token endpoint answered when it refused or failed the hub's token request, found in a failure.
 * google-auth wraps the endpoint's answer in its GoogleAuthException (package-private: known here by the Retryable it
 * implements), before any Calendar call; the Calendar API's own answers arrive as GoogleJsonResponseExceptions with
 * nothing of google-auth around them. A status there is the hub's credentials', never the request's.
 *
 * @param error the OAuth error code (RFC 6749 5.2: {@code invalid_grant}, {@code invalid_client}, …), or null
 */
record TokenEndpointAnswer(HttpResponseException answer, String error) {

    /** An error code is a short ASCII word: anything else in its place is not repeated in a log or a problem. */
    private static final Pattern ERROR_CODE = Pattern.compile("[a-z_]{1,64}");

    /** The token endpoint's answer in the failure's cause chain, or null when the failure is not one. */
    static TokenEndpointAnswer in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof Retryable && t.getCause() instanceof HttpResponseException answer) {
                return new TokenEndpointAnswer(answer, errorCode(answer.getContent()));
            }
        }
        return null;
    }

    int status() {
        return answer.getStatusCode();
    }

    /** The {@code error} of the endpoint's JSON answer; its description is left out (it is the endpoint's text). */
    private static String errorCode(String content) {
        if (content == null || content.isBlank()) {
            return null;
        }
        try {
            Object error = GsonFactory.getDefaultInstance().fromString(content, GenericData.class).get("error");
            return error instanceof String code && ERROR_CODE.matcher(code).matches() ? code : null;
        } catch (IOException | RuntimeException notJson) {
            return null; // an HTML error page of a proxy, say
        }
    }
}
