package io.connectify.hub.calendar;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpResponse;
import com.google.api.client.http.HttpStatusCodes;
import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.HttpUnsuccessfulResponseHandler;
import com.google.api.client.http.apache.v2.ApacheHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.calendar.Calendar;
import com.google.api.services.calendar.CalendarScopes;
import com.google.auth.Credentials;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.common.base.Suppliers;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.resilience.AnswerDeadlineHttpClient4;
import org.apache.camel.CamelContext;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.google.calendar.GoogleCalendarClientFactory;
import org.apache.camel.support.ResourceHelper;
import org.apache.http.HttpRequestInterceptor;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.protocol.HttpClientContext;

/**
 * Builds the real Google Calendar client on a service-account key. Unlike the component's default factory it
 * honours the key's {@code token_uri} and a configurable root URL (so tests and the sandbox run the production
 * client over plain HTTP), fetches no token before the first request, applies the hub's timeouts, and caps
 * Google's own retries: one token refresh and retry after a 401, nothing else. The hub's retry policy decides
 * the rest. The key is read when the client is made, which Camel does at the first calendar call (GoogleCalendarConfig
 * parses a live key at start, so a broken one stops the start); with {@code awaitKey} (the sandbox, whose key is made
 * after the start) it is read at the client's first request, once that returns.
 */
public class HubGoogleCalendarClientFactory implements GoogleCalendarClientFactory {

    private final String rootUrl;
    private final int connectTimeoutMs;
    private final int readTimeoutMs;
    private final HttpTransport transport;
    private final Runnable awaitKey;

    public HubGoogleCalendarClientFactory(String rootUrl, Duration connectTimeout, Duration readTimeout) {
        this(rootUrl, connectTimeout, readTimeout, null);
    }

    /** {@code awaitKey}: null to read the key when the client is made, else run before the first request reads it. */
    public HubGoogleCalendarClientFactory(String rootUrl, Duration connectTimeout, Duration readTimeout,
                                          Runnable awaitKey) {
        Objects.requireNonNull(rootUrl, "rootUrl");
        this.awaitKey = awaitKey;
        this.rootUrl = rootUrl.endsWith("/") ? rootUrl : rootUrl + "/";
        this.connectTimeoutMs = Math.toIntExact(connectTimeout.toMillis());
        this.readTimeoutMs = Math.toIntExact(readTimeout.toMillis());
        this.transport = transport(connectTimeoutMs, readTimeoutMs);
    }

    @Override
    public Calendar makeClient(String clientId, String clientSecret, Collection<String> scopes,
                               String applicationName, String refreshToken, String accessToken,
                               String emailAddress, String p12FileName, String user) {
        throw new UnsupportedOperationException("OAuth client credentials are not supported: "
                + "use a service-account key (connectify.gcal.key-path)");
    }

    @Override
    public Calendar makeClient(CamelContext camelContext, String serviceAccountKey, Collection<String> scopes,
                               String applicationName, String delegate) {
        Supplier<Credentials> read = () -> credentials(loadKey(camelContext, serviceAccountKey), scopes, delegate);
        Supplier<Credentials> credentials;
        if (awaitKey == null) {
            Credentials now = read.get();
            credentials = () -> now;
        } else {
            credentials = Suppliers.memoize(() -> {
                awaitKey.run();
                return read.get();
            });
        }
        return new Calendar.Builder(transport, GsonFactory.getDefaultInstance(), initializer(credentials))
                .setRootUrl(rootUrl)
                .setServicePath("calendar/v3/")
                .setApplicationName(applicationName)
                .build();
    }

    private static Credentials credentials(ServiceAccountCredentials key, Collection<String> scopes,
                                           String delegate) {
        // one token request per refresh: google-auth would otherwise retry 5xx and I/O failures with back-off.
        // Scopes make the library exchange a signed JWT at token_uri; without them it sends a self-signed JWT
        // straight to the API, which neither the sandbox nor a fake accepts.
        GoogleCredentials credentials = key.createWithCustomRetryStrategy(false)
                .createScoped(scopes == null || scopes.isEmpty() ? List.of(CalendarScopes.CALENDAR) : scopes);
        return delegate != null && !delegate.isBlank() ? credentials.createDelegated(delegate) : credentials;
    }

    private ServiceAccountCredentials loadKey(CamelContext camelContext, String serviceAccountKey) {
        try (InputStream in = ResourceHelper.resolveMandatoryResourceAsInputStream(camelContext, serviceAccountKey)) {
            return ServiceAccountCredentials.fromStream(in, () -> transport);
        } catch (IOException | RuntimeException e) {
            // never name the path or echo the content: the message may reach a log or a response
            throw new RuntimeCamelException("Could not load the Google service-account key", e);
        }
    }

    private HttpRequestInitializer initializer(Supplier<Credentials> credentials) {
        return request -> {
            // the credentials hold the token and refresh it; an adapter only wraps them, one per request will do
            HttpCredentialsAdapter adapter = new HttpCredentialsAdapter(credentials.get());
            adapter.initialize(request); // sets the bearer token, fetched lazily on the first request
            request.setConnectTimeout(connectTimeoutMs);
            request.setReadTimeout(readTimeoutMs);
            // the adapter's refresh after a 401 is the only retry: Google's default would call 11 times. It
            // would also refresh after the last 401, with no retry left to use the token: skip that one.
            request.setNumberOfRetries(1);
            request.setUnsuccessfulResponseHandler(new RefreshWhileRetriesLeft(adapter));
            request.setIOExceptionHandler(null);
            String correlationId = CorrelationId.current();
            if (correlationId != null) {
                request.getHeaders().set(CorrelationId.HTTP_HEADER, correlationId);
            }
        };
    }

    /**
     * The adapter's refresh-on-401, only when a retry is left to use the new token, and with a refresh that fails
     * failing the call. The adapter's own handler logs a failed refresh (google-auth's "unable to refresh token",
     * SEVERE, with the token endpoint's answer and the service account's address in its stack trace) and answers the
     * 401, which then read as the Calendar API refusing the hub's token: a refusal of the key lost its error code,
     * and a token endpoint down (5xx) was taken for a refused key, not retried. Thrown instead, the token endpoint's
     * answer reaches GoogleErrors as it does when no 401 came first: one line, what the endpoint said, retried or not.
     */
    private record RefreshWhileRetriesLeft(HttpCredentialsAdapter adapter) implements HttpUnsuccessfulResponseHandler {

        /** RFC 6750 3.1: the token itself refused (the adapter's own test). */
        private static final Pattern INVALID_TOKEN = Pattern.compile("\\s*error\\s*=\\s*\"?invalid_token\"?");

        @Override
        public boolean handleResponse(HttpRequest request, HttpResponse response, boolean supportsRetry)
                throws IOException {
            if (!supportsRetry || !tokenRefused(response)) {
                return false;
            }
            adapter.getCredentials().refresh(); // google-auth's GoogleAuthException around the endpoint's answer
            adapter.initialize(request); // the new token; the adapter sets itself as the request's handler
            request.setUnsuccessfulResponseHandler(this);
            return true;
        }

        /** As HttpCredentialsAdapter decides: a Bearer challenge naming invalid_token, else any 401. */
        private static boolean tokenRefused(HttpResponse response) {
            List<String> challenges = response.getHeaders().getAuthenticateAsList();
            if (challenges != null) {
                for (String challenge : challenges) {
                    if (challenge.startsWith("Bearer ")) {
                        return INVALID_TOKEN.matcher(challenge).find();
                    }
                }
            }
            return response.getStatusCode() == HttpStatusCodes.STATUS_CODE_UNAUTHORIZED;
        }
    }

    /**
     * Apache transport rather than the JDK one: PATCH goes out as PATCH (the JDK transport tunnels it through POST
     * with X-HTTP-Method-Override), and Apache's automatic retries are off. google-auth builds its token request
     * without our initializer (20 s library defaults), so the timeouts are enforced here for every request too. The
     * read timeout bounds each wait for the next packet and, by the deadline, the whole answer: before, an answer
     * trickled a byte at a time held the call (and the thread making it) for as long as it trickled.
     */
    private static HttpTransport transport(int connectTimeoutMs, int readTimeoutMs) {
        HttpRequestInterceptor timeouts = (request, context) -> {
            HttpClientContext client = HttpClientContext.adapt(context);
            client.setRequestConfig(RequestConfig.copy(client.getRequestConfig())
                    .setConnectTimeout(connectTimeoutMs)
                    .setSocketTimeout(readTimeoutMs)
                    .build());
        };
        return new ApacheHttpTransport(AnswerDeadlineHttpClient4.around(
                ApacheHttpTransport.newDefaultHttpClientBuilder().addInterceptorLast(timeouts).build(),
                Duration.ofMillis(readTimeoutMs)));
    }
}
