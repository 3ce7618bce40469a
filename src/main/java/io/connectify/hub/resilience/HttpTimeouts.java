package io.connectify.hub.resilience;

import java.time.Duration;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.util.Timeout;

/**
 * Per-provider timeouts for a camel-http endpoint ({@code ?httpClientConfigurer=#...}): how long one attempt may
 * wait to connect (and for a connection from the pool) and for the answer, the whole answer
 * ({@link AnswerDeadline}). The component-wide settings stay the
 * defaults. (A configurer rather than camel-http's endpoint options: those go on the component's shared client.)
 */
public class HttpTimeouts implements HttpClientConfigurer {

    private final Duration connect;
    private final Duration read;

    public HttpTimeouts(Duration connect, Duration read) {
        this.connect = connect;
        this.read = read;
    }

    @Override
    @SuppressWarnings("deprecation") // the request's connect timeout: the client's own, where the pool's is shared
    public void configureHttpClient(HttpClientBuilder builder) {
        builder.setDefaultRequestConfig(RequestConfig.custom()
                // the TCP connect: without it the component's 5 s applied whatever the provider's connect-timeout
                .setConnectTimeout(Timeout.of(connect))
                .setConnectionRequestTimeout(Timeout.of(connect))
                .setResponseTimeout(Timeout.of(read))
                .build());
        // the response timeout bounds each wait for the next packet; this one the whole answer
        AnswerDeadline.on(builder, read);
    }
}
