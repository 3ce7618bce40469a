package io.connectify.hub.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.connectify.hub.support.UnacceptingListener;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Test;

/** A provider's connect-timeout bounds the TCP connect, not only the wait for a pooled connection. */
class HttpTimeoutsTest {

    @Test
    void aHostThatTakesNoConnectionIsGivenUpAfterTheProvidersConnectTimeout() throws Exception {
        try (UnacceptingListener full = new UnacceptingListener()) {
            HttpClientBuilder builder = HttpClientBuilder.create().setConnectionManager(
                    PoolingHttpClientConnectionManagerBuilder.create().setDefaultConnectionConfig(
                            // as camel-http's component-wide default
                            ConnectionConfig.custom().setConnectTimeout(Timeout.ofSeconds(30)).build()).build());
            new HttpTimeouts(Duration.ofMillis(300), Duration.ofSeconds(30)).configureHttpClient(builder);

            long started = System.nanoTime();
            try (CloseableHttpClient client = builder.build()) {
                assertThatThrownBy(() -> client.execute(new HttpGet("http://127.0.0.1:" + full.port() + "/"),
                        response -> response.getCode())).isInstanceOf(java.io.IOException.class);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
