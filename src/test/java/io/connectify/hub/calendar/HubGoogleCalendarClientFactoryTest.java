package io.connectify.hub.calendar;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.services.calendar.Calendar;
import io.connectify.hub.support.GoogleCalendarFake;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HubGoogleCalendarClientFactoryTest {

    private static final GoogleCalendarFake google = new GoogleCalendarFake();
    private static final String EVENT = GoogleCalendarFake.EVENTS + "/abc123def456";

    private Calendar client;

    @BeforeEach
    void client() {
        google.reset();
        client = new HubGoogleCalendarClientFactory(google.rootUrl(), Duration.ofSeconds(2), Duration.ofSeconds(2))
                .makeClient(new DefaultCamelContext(), "file:" + google.keyFile(), List.of(), "test", null);
    }

    @AfterAll
    static void stop() {
        google.server().stop();
    }

    @Test
    void theServiceAccountTokenIsExchangedAtTheKeysTokenUriAndSentAsBearer() throws Exception {
        google.stub(get(urlPathEqualTo(EVENT)).willReturn(okJson(GoogleCalendarFake.eventJson("abc123def456", "x",
                "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))));

        var event = client.events().get("primary", "abc123def456").execute();

        assertThat(event.getSummary()).isEqualTo("x");
        google.server().verify(1, postRequestedFor(urlPathEqualTo("/token"))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
                .withRequestBody(containing("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"))
                .withRequestBody(containing("assertion=ey")));
        google.server().verify(getRequestedFor(urlPathEqualTo(EVENT))
                .withHeader("Authorization", equalTo("Bearer " + GoogleCalendarFake.TOKEN)));
    }

    @Test
    void a401IsRetriedOnceAfterATokenRefreshNotTenTimes() {
        google.stub(get(urlPathEqualTo(EVENT)).willReturn(GoogleCalendarFake.error(401, "authError")));

        assertThatThrownBy(() -> client.events().get("primary", "abc123def456").execute())
                .isInstanceOf(GoogleJsonResponseException.class)
                .satisfies(e -> assertThat(((GoogleJsonResponseException) e).getStatusCode()).isEqualTo(401))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(google.keyFile().toString()));
        google.server().verify(2, getRequestedFor(urlPathEqualTo(EVENT)));
    }

    @Test
    void anUnreadableKeyFailsWithoutNamingThePath() {
        var factory = new HubGoogleCalendarClientFactory(google.rootUrl(), Duration.ofSeconds(1), Duration.ofSeconds(1));

        assertThatThrownBy(() -> factory.makeClient(new DefaultCamelContext(), "file:/nonexistent/secret-key.json",
                List.of(), "test", null))
                .hasMessage("Could not load the Google service-account key");
    }
}
