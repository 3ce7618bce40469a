package io.connectify.hub.resilience;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.google.api.services.calendar.Calendar;
import com.stripe.exception.ApiConnectionException;
import com.twilio.http.HttpMethod;
import com.twilio.http.Request;
import io.connectify.hub.calendar.HubGoogleCalendarClientFactory;
import io.connectify.hub.notification.RetargetedTwilioHttpClient;
import io.connectify.hub.payment.stripe.StripeConfigAccess;
import io.connectify.hub.support.TestKeys;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.Test;

/**
 * A provider that trickles its answer, a byte every 100 ms for 6 s: each wait for the next packet stays far within
 * the read timeout of 1 s, which HttpClient keeps per packet, so before the attempt lasted the whole 6 s (as long as
 * the provider kept it up, in production). The read timeout bounds the whole answer now ({@link AnswerDeadline}): the
 * attempt fails as a read timeout after about 1 s, for camel-http's providers (Payrexx, SendGrid: HttpTimeouts),
 * Twilio's client, the hub's Stripe client (before, stripe-java's HttpURLConnection) and Google's transport (HttpClient
 * 4: {@link AnswerDeadlineHttpClient4}) alike. (WireMock's chunked dribble did not serve: HttpClient 5 timed out on it at 1 s however small
 * its chunks.)
 */
class AnswerDeadlineTest {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration TRICKLE = Duration.ofSeconds(6);

    @Test
    void aTrickledAnswerEndsAPayrexxOrSendGridAttemptAtTheReadTimeout() throws Exception {
        try (TricklingServer server = new TricklingServer()) {
            HttpClientBuilder builder = HttpClientBuilder.create().disableAutomaticRetries();
            new HttpTimeouts(Duration.ofSeconds(1), READ_TIMEOUT).configureHttpClient(builder);

            long started = System.nanoTime();
            try (CloseableHttpClient client = builder.build()) {
                assertThatThrownBy(() -> client.execute(new HttpPost(server.url()),
                        response -> EntityUtils.toString(response.getEntity()))).isInstanceOf(IOException.class);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TRICKLE.minusSeconds(2));
        }
    }

    @Test
    void aTrickledAnswerEndsATwilioAttemptAtTheReadTimeout() throws Exception {
        try (TricklingServer server = new TricklingServer()) {
            var twilio = new RetargetedTwilioHttpClient(server.url(), Duration.ofSeconds(1), READ_TIMEOUT);

            long started = System.nanoTime();
            assertThatThrownBy(() -> twilio.makeRequest(new Request(HttpMethod.GET,
                    "https://api.twilio.com/2010-04-01/Accounts.json"))).isInstanceOf(RuntimeException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TRICKLE.minusSeconds(2));
        }
    }

    @Test
    void aTrickledAnswerEndsAStripeAttemptAtTheReadTimeout() throws Exception {
        try (TricklingServer server = new TricklingServer()) {
            var stripe = StripeConfigAccess.stripeClient(server.url(), Duration.ofSeconds(1), READ_TIMEOUT);

            long started = System.nanoTime();
            assertThatThrownBy(() -> stripe.v1().balance().retrieve())
                    .isInstanceOf(ApiConnectionException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TRICKLE.minusSeconds(2));
        }
    }

    /** Google's transport (HttpClient 4), its token from a token endpoint that answers at once. */
    @Test
    void aTrickledAnswerEndsAGoogleCalendarAttemptAtTheReadTimeout() throws Exception {
        WireMockServer tokens = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        tokens.start();
        try (TricklingServer server = new TricklingServer()) {
            tokens.stubFor(post(urlPathEqualTo("/token")).willReturn(
                    okJson("{\"access_token\":\"ya29.deadline\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
            // a fresh WireMock's first answer can take longer than the 1 s limit on a loaded machine (the token
            // request then aborted by the deadline, before the trickle is reached): its first answer is taken here
            try (CloseableHttpClient warm = HttpClientBuilder.create().build()) {
                warm.execute(new HttpPost(tokens.baseUrl() + "/token"),
                        response -> EntityUtils.toString(response.getEntity()));
            }
            tokens.resetRequests();
            Path key = TestKeys.serviceAccountKeyFile(tokens.baseUrl() + "/token");
            Calendar google = new HubGoogleCalendarClientFactory(server.url(), Duration.ofSeconds(1), READ_TIMEOUT)
                    .makeClient(new DefaultCamelContext(), "file:" + key, List.of(), "test", null);

            long started = System.nanoTime();
            assertThatThrownBy(() -> google.events().get("primary", "abc123def456").execute())
                    .isInstanceOf(IOException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TRICKLE.minusSeconds(2));
            tokens.verify(1, postRequestedFor(urlPathEqualTo("/token")));
        } finally {
            tokens.stop();
        }
    }

    /** Answers each connection 200, chunked, one byte of body every 100 ms until TRICKLE has passed. */
    private static final class TricklingServer implements AutoCloseable {

        private final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        private final Thread thread = new Thread(this::serve, "trickling-server");

        TricklingServer() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket connection = socket.accept()) {
                    OutputStream out = connection.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    long end = System.nanoTime() + TRICKLE.toNanos();
                    while (System.nanoTime() < end) {
                        out.write("1\r\n \r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        Thread.sleep(100); // the trickle itself, not a wait of the test
                    }
                    out.write("2\r\n{}\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException | InterruptedException e) {
                    // the client gave up (closed the connection) or the server was closed
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
