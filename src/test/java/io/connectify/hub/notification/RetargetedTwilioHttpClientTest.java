package io.connectify.hub.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.twilio.exception.ApiException;
import com.twilio.http.HttpMethod;
import com.twilio.http.Request;
import io.connectify.hub.resilience.AnswerLost;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.UnacceptingListener;
import org.junit.jupiter.api.Test;

/** The hub's Twilio HTTP client: its connect timeout holds, and its pool takes the hub's Twilio calls at once. */
class RetargetedTwilioHttpClientTest {

    private static final String MESSAGES = "https://api.twilio.com" + NotificationFakes.MESSAGES;

    /**
     * twilio-java puts its own request configuration on every request (connect timeout 30.5 s), which HttpClient
     * takes over the connection's: an attempt at a host that drops SYNs took 30.5 s whatever connect-timeout said.
     */
    @Test
    void aHostThatTakesNoConnectionIsGivenUpAfterTheConnectTimeout() throws Exception {
        try (UnacceptingListener full = new UnacceptingListener()) {
            var client = new RetargetedTwilioHttpClient("http://127.0.0.1:" + full.port(), Duration.ofMillis(300),
                    Duration.ofSeconds(30));

            long started = System.nanoTime();
            assertThatThrownBy(() -> client.makeRequest(sms()))
                    .isInstanceOf(ApiException.class)
                    // never sent: the hub's retry may send it without looking it up first
                    .satisfies(e -> assertThat(AnswerLost.neverConnected(e)).isTrue());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    /** HttpClient's default pool took 5 calls to a host at once: a sixth waited for one of them to end. */
    @Test
    void eightTwilioCallsAtOnceEachGetAConnection() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            acceptingAndNeverAnswering(silent, accepted); // each call holds its connection
            var client = new RetargetedTwilioHttpClient("http://127.0.0.1:" + silent.getLocalPort(),
                    Duration.ofSeconds(2), Duration.ofSeconds(30));

            for (int i = 0; i < 8; i++) {
                callers.submit(() -> client.makeRequest(sms()));
            }

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(accepted).as("connections the "
                    + "fake took").hasSize(8));
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
            callers.shutdownNow(); // the calls fail as their connections close
        }
    }

    /**
     * A call beyond the pool's connections waits for one up to the connect timeout, then fails without having been
     * sent: taken so (never connected, no lost answer), not for a call whose answer was lost.
     */
    @Test
    void aCallThatWaitedPastTheConnectTimeoutForAPooledConnectionWasNeverSent() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            acceptingAndNeverAnswering(silent, accepted);
            var client = new RetargetedTwilioHttpClient("http://127.0.0.1:" + silent.getLocalPort(),
                    Duration.ofMillis(300), Duration.ofSeconds(30), 1);
            caller.submit(() -> client.makeRequest(sms())); // holds the pool's one connection, never answered
            await().atMost(Duration.ofSeconds(5)).until(() -> accepted.size() == 1);

            long started = System.nanoTime();
            assertThatThrownBy(() -> client.makeRequest(sms()))
                    .isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(AnswerLost.neverConnected(e)).as("never connected").isTrue())
                    .satisfies(e -> assertThat(TwilioErrors.answerLost(TwilioErrors.translate(e)))
                            .as("answer lost").isFalse());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(accepted).as("connections the fake took").hasSize(1);
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
            caller.shutdownNow();
        }
    }

    private static Request sms() {
        Request request = new Request(HttpMethod.POST, MESSAGES);
        request.addPostParam("To", "+41791234567");
        request.addPostParam("From", NotificationFakes.FROM);
        request.addPostParam("Body", "Your booking is confirmed");
        return request;
    }

    /** Takes every connection {@code silent} is offered, into {@code accepted}, and never answers. */
    private static void acceptingAndNeverAnswering(ServerSocket silent, List<Socket> accepted) {
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(silent.accept());
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }
}
