package io.connectify.hub.notification;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.twilio.http.NetworkHttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.resilience.AnswerDeadline;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.ProviderException.Kind;
import io.connectify.hub.resilience.RetryAfter;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.util.Timeout;

/**
 * twilio-java's HTTP client, pointed at another base URL (a local fake or the sandbox) and without retries of
 * its own. twilio-java always builds {@code https://api.twilio.com} URLs and retries failed requests by itself
 * ({@code reliableRequest}): the hub's one retry policy decides instead, so an SMS is never sent twice by accident.
 */
public class RetargetedTwilioHttpClient extends NetworkHttpClient {

    private static final String TWILIO = "https://api.twilio.com";
    /**
     * Twilio calls at once by default: the server's 32 request threads (POST /notifications/sms) and the SMS queue's
     * consumer. The hub sizes its pool from server.tomcat.threads.max ({@link NotificationConfig}).
     */
    static final int DEFAULT_MAX_CONNECTIONS = 32 + 1;

    private final String apiBase;

    /** With a pool for {@link #DEFAULT_MAX_CONNECTIONS} Twilio calls at once. */
    public RetargetedTwilioHttpClient(String apiBase, Duration connectTimeout, Duration readTimeout) {
        this(apiBase, connectTimeout, readTimeout, DEFAULT_MAX_CONNECTIONS);
    }

    /**
     * The timeouts go on the connections and, after twilio-java has set its own request configuration on the
     * request (a 30.5 s connect timeout, which the connection's does not override), on every request again.
     * {@code maxConnections}: Twilio calls at once (all to one host; HttpClient's default is 5 per host); one more
     * waits up to the connect timeout for a connection, then fails without having been sent.
     */
    public RetargetedTwilioHttpClient(String apiBase, Duration connectTimeout, Duration readTimeout,
                                      int maxConnections) {
        // the read timeout bounds each wait for the next packet and, by the AnswerDeadline, the whole answer
        super(AnswerDeadline.on(HttpClientBuilder.create().disableAutomaticRetries().useSystemProperties()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout))
                                .setSocketTimeout(Timeout.of(readTimeout))
                                .build())
                        .setMaxConnPerRoute(maxConnections)
                        .setMaxConnTotal(maxConnections)
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(readTimeout)).build())
                .addExecInterceptorFirst("connectify-timeouts", hubTimeouts(connectTimeout, readTimeout)), readTimeout));
        this.apiBase = apiBase.endsWith("/") ? apiBase.substring(0, apiBase.length() - 1) : apiBase;
    }

    /**
     * Replaces the request configuration twilio-java put on the request (its connect timeout of 30.5 s, connection
     * request timeout of 10 s) by the hub's, before the connection is taken from the pool or opened.
     */
    @SuppressWarnings("deprecation") // the request's connect timeout: the one HttpClient takes over the connection's
    private static ExecChainHandler hubTimeouts(Duration connectTimeout, Duration readTimeout) {
        return (request, scope, chain) -> {
            scope.clientContext.setRequestConfig(RequestConfig.copy(scope.clientContext.getRequestConfigOrDefault())
                    .setConnectTimeout(Timeout.of(connectTimeout))
                    .setConnectionRequestTimeout(Timeout.of(connectTimeout))
                    .setResponseTimeout(Timeout.of(readTimeout))
                    .build());
            return chain.proceed(request, scope);
        };
    }

    @Override
    public Response reliableRequest(Request request) {
        return makeRequest(request);
    }

    @Override
    public Response reliableRequest(Request request, int[] retryCodes, int retries, long delayMillis) {
        return makeRequest(request);
    }

    @Override
    public Response makeRequest(Request request) {
        String correlationId = CorrelationId.current();
        if (correlationId != null) {
            request.addHeaderParam(CorrelationId.HTTP_HEADER, correlationId);
        }
        if (TWILIO.equals(apiBase) || !request.getUrl().startsWith(TWILIO)) {
            return rateLimitedWait(super.makeRequest(request));
        }
        Request copy = new Request(request.getMethod(), apiBase + request.getUrl().substring(TWILIO.length()));
        copy(request.getQueryParams(), copy::addQueryParam);
        copy(request.getPostParams(), copy::addPostParam);
        copy(request.getHeaderParams(), copy::addHeaderParam);
        if (request.getAuthStrategy() != null) {
            copy.setAuth(request.getAuthStrategy());
        } else if (request.getUsername() != null) {
            copy.setAuth(request.getUsername(), request.getPassword());
        }
        if (request.getContentType() != null) {
            copy.setContentType(request.getContentType());
        }
        if (request.getBody() != null) {
            copy.setBody(request.getBody());
        }
        return rateLimitedWait(super.makeRequest(copy));
    }

    /**
     * A 429 that names its wait (Retry-After in seconds) as the hub's rate-limited failure with that wait:
     * twilio-java's {@code ApiException} keeps the answer's code and message but drops its headers. Twilio documents
     * no Retry-After for its 429 (error 20429, "back off"): without one the answer goes to twilio-java as it came,
     * and the hub waits its rate-limited-wait.
     */
    private static Response rateLimitedWait(Response response) {
        if (response.getStatusCode() != 429 || response.getHeaders() == null) {
            return response;
        }
        for (Header header : response.getHeaders()) {
            if ("Retry-After".equalsIgnoreCase(header.getName())) {
                Duration wait = RetryAfter.seconds(header.getValue());
                if (wait != null) {
                    throw new ProviderException(NotificationConfig.TWILIO, Kind.RATE_LIMITED,
                            "Twilio rate limit reached", wait, null);
                }
            }
        }
        return response;
    }

    private static void copy(Map<String, List<String>> params, java.util.function.BiConsumer<String, String> add) {
        params.forEach((name, values) -> values.forEach(value -> add.accept(name, value)));
    }
}
