package io.connectify.hub.resilience;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.NotificationFakes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A provider that trickles its answer (a chunk every 0.5 s, for 20 s) never runs into the read timeout as HttpClient
 * keeps it, the wait for the next packet (test profile: 1 s). The read timeout bounds the whole answer now
 * ({@link AnswerDeadline}): each attempt ends after 1 s as if nothing came, and the send fails as one whose answers
 * were lost does (ProviderFaultTest's eachAttemptEndsAtTheProvidersReadTimeout). Before, each SMS or email waited
 * out the whole trickle, 20 s here, as long as the provider kept it up in production, and the queue consumer or
 * request thread with it.
 */
@HubTest
class ProviderAnswerDeadlineTest extends HubTestBase {

    private static final int TRICKLE_MILLIS = 20_000;

    record Target(String provider, String path, int status, String answer, String apiPath, String body, int sends) {

        WireMockServer fake() {
            return provider.equals("twilio") ? notify.twilio() : notify.sendGrid();
        }

        @Override
        public String toString() {
            return provider;
        }
    }

    /**
     * An SMS whose answer was lost is sent once (the lookups in Twilio's Messages list trickle too, and fail); an
     * email is sent once more, then no more (connectify.sendgrid.resends-after-lost-answer, 1).
     */
    static Stream<Target> targets() {
        return Stream.of(
                new Target("twilio", NotificationFakes.MESSAGES, 201, NotificationFakes.message("SM" + "b".repeat(32)),
                        "/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"x\"}", 1),
                new Target("sendgrid", NotificationFakes.MAIL_SEND, 202, "{\"accepted\":\"" + "x".repeat(60) + "\"}",
                        "/api/v1/notifications/email", "{\"to\":\"a@b.ch\",\"subject\":\"x\",\"body\":\"x\"}", 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void aTrickledAnswerEndsTheAttemptAtTheReadTimeout(Target target) {
        target.fake().stubFor(any(urlPathEqualTo(target.path())).atPriority(1).willReturn(aResponse()
                .withStatus(target.status()).withHeader("Content-Type", "application/json")
                .withHeader("X-Message-Id", "sg-message-1").withBody(target.answer())
                .withChunkedDribbleDelay(40, TRICKLE_MILLIS)));
        long started = System.nanoTime();

        var response = httpPost(target.apiPath(), target.body());

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
        target.fake().verify(target.sends(), postRequestedFor(urlPathEqualTo(target.path())));
        // a few read timeouts of 1 s, where it waited out the whole trickle
        assertThat(took).isLessThan(Duration.ofMillis(TRICKLE_MILLIS));
    }
}
