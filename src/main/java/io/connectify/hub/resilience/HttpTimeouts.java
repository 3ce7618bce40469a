package io.connectify.hub.resilience;

import java.time.Duration;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.util.Timeout;

/**
 * Per-provider timeouts for a camel-http endpoint ({@code ?httpClientConfigurer=#...}): how long one attempt may
 * wait for a connection from the pool and for the answer. The component-wide settings stay the defaults.
 */
public class HttpTimeouts implements HttpClientConfigurer {

    private final Duration connect;
    private final Duration read;

    public HttpTimeouts(Duration connect, Duration read) {
        this.connect = connect;
        this.read = read;
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        builder.setDefaultRequestConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(Timeout.of(connect))
                .setResponseTimeout(Timeout.of(read))
                .build());
    }
}
