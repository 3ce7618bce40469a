package io.connectify.hub.calendar;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.apache.v2.ApacheHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.calendar.Calendar;
import com.google.api.services.calendar.CalendarScopes;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.ServiceAccountCredentials;
import org.apache.camel.CamelContext;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.google.calendar.GoogleCalendarClientFactory;
import org.apache.camel.support.ResourceHelper;

/**
 * Builds the real Google Calendar client on a service-account key. Unlike the component's default factory it
 * honours the key's {@code token_uri} and a configurable root URL (so tests and the sandbox run the production
 * client over plain HTTP), fetches no token at startup, sets per-attempt timeouts, and caps Google's own 401
 * refresh-and-retry loop at one retry: the hub's retry policy decides the rest.
 */
public class HubGoogleCalendarClientFactory implements GoogleCalendarClientFactory {

    /** Apache transport: PATCH goes out as PATCH (the JDK one tunnels it through POST), no automatic retries. */
    private final ApacheHttpTransport transport = new ApacheHttpTransport();
    private final String rootUrl;
    private final int connectTimeoutMs;
    private final int readTimeoutMs;

    public HubGoogleCalendarClientFactory(String rootUrl, Duration connectTimeout, Duration readTimeout) {
        this.rootUrl = rootUrl.endsWith("/") ? rootUrl : rootUrl + "/";
        this.connectTimeoutMs = Math.toIntExact(connectTimeout.toMillis());
        this.readTimeoutMs = Math.toIntExact(readTimeout.toMillis());
    }

    @Override
    public Calendar makeClient(String clientId, String clientSecret, Collection<String> scopes,
                               String applicationName, String refreshToken, String accessToken,
                               String emailAddress, String p12FileName, String user) {
        throw new UnsupportedOperationException("The hub authenticates with a service-account key "
                + "(connectify.gcal.key-path), not an OAuth client id and secret");
    }

    @Override
    public Calendar makeClient(CamelContext camelContext, String serviceAccountKey, Collection<String> scopes,
                               String applicationName, String delegate) {
        ServiceAccountCredentials credentials;
        try (InputStream key = ResourceHelper.resolveMandatoryResourceAsInputStream(camelContext, serviceAccountKey)) {
            credentials = ServiceAccountCredentials.fromStream(key, () -> transport);
        } catch (IOException | RuntimeException e) {
            // never name the path or echo the content: the message may reach a log
            throw new RuntimeCamelException("Could not load the Google service-account key", e);
        }
        // without scopes the library skips the token endpoint and sends a self-signed JWT
        var scoped = (ServiceAccountCredentials) credentials.createScoped(
                scopes == null || scopes.isEmpty() ? List.of(CalendarScopes.CALENDAR) : scopes);
        var effective = delegate == null || delegate.isBlank() ? scoped : scoped.createDelegated(delegate);
        return new Calendar.Builder(transport, GsonFactory.getDefaultInstance(), initializer(effective))
                .setRootUrl(rootUrl)
                .setServicePath("calendar/v3/")
                .setApplicationName(applicationName)
                .build();
    }

    private HttpRequestInitializer initializer(com.google.auth.Credentials credentials) {
        HttpCredentialsAdapter adapter = new HttpCredentialsAdapter(credentials);
        return request -> {
            adapter.initialize(request);
            request.setConnectTimeout(connectTimeoutMs);
            request.setReadTimeout(readTimeoutMs);
            // one retry only, for the adapter's token refresh after a 401
            request.setNumberOfRetries(1);
            request.setIOExceptionHandler(null);
        };
    }
}
