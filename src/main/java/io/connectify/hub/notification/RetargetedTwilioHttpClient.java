package io.connectify.hub.notification;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.twilio.http.NetworkHttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import io.connectify.hub.ops.CorrelationId;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.Timeout;

/**
 * twilio-java's HTTP client, pointed at another base URL (a local fake or the sandbox) and without retries of
 * its own. twilio-java always builds {@code https://api.twilio.com} URLs and retries failed requests by itself
 * ({@code reliableRequest}): the hub's one retry policy decides instead, so an SMS is never sent twice by accident.
 */
public class RetargetedTwilioHttpClient extends NetworkHttpClient {

    private static final String TWILIO = "https://api.twilio.com";
    private final String apiBase;

    /** The timeouts go on the connections: twilio-java sets its own request configuration on every request. */
    public RetargetedTwilioHttpClient(String apiBase, Duration connectTimeout, Duration readTimeout) {
        super(HttpClientBuilder.create().disableAutomaticRetries().useSystemProperties()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout))
                                .setSocketTimeout(Timeout.of(readTimeout))
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(readTimeout)).build()));
        this.apiBase = apiBase.endsWith("/") ? apiBase.substring(0, apiBase.length() - 1) : apiBase;
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
            return super.makeRequest(request);
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
        return super.makeRequest(copy);
    }

    private static void copy(Map<String, List<String>> params, java.util.function.BiConsumer<String, String> add) {
        params.forEach((name, values) -> values.forEach(value -> add.accept(name, value)));
    }
}
