package io.connectify.hub.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.util.DateTime;
import com.google.api.services.calendar.Calendar;
import com.google.api.services.calendar.model.Event;
import com.google.api.services.calendar.model.EventDateTime;
import com.google.api.services.calendar.model.FreeBusyRequest;
import com.google.api.services.calendar.model.FreeBusyRequestItem;
import io.connectify.hub.calendar.HubGoogleCalendarClientFactory;
import io.connectify.hub.support.TestKeys;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real Google client against the sandbox simulator: the sandbox speaks Google's protocol. */
class GoogleCalendarSimulatorTest {

    private static final SandboxServer server = new SandboxServer(0);
    private static final GoogleCalendarSimulator simulator;

    static {
        simulator = new GoogleCalendarSimulator(server);
        server.start();
    }

    private Calendar client;

    @BeforeEach
    void client() {
        simulator.reset();
        client = clientWithKey("file:" + simulator.serviceAccountKeyFile());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void eventsAreInsertedReadPatchedListedAndDeleted() throws Exception {
        client.events().insert("primary", event("abcdef12345", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))
                .execute();

        assertThat(client.events().get("primary", "abcdef12345").execute().getSummary()).isEqualTo("Consultation");
        client.events().patch("primary", "abcdef12345", new Event().setSummary("Moved")).execute();
        var listed = client.events().list("primary").setTimeMin(new DateTime("2026-12-01T00:00:00Z"))
                .setTimeMax(new DateTime("2026-12-02T00:00:00Z")).execute();
        assertThat(listed.getItems()).extracting(Event::getSummary).containsExactly("Moved");
        client.events().delete("primary", "abcdef12345").execute();
        assertThatThrownBy(() -> client.events().get("primary", "abcdef12345").execute())
                .isInstanceOf(GoogleJsonResponseException.class)
                .satisfies(e -> assertThat(((GoogleJsonResponseException) e).getStatusCode()).isEqualTo(410));
        assertThat(simulator.eventCount()).isEqualTo(1); // kept as cancelled, as Google does
    }

    @Test
    void aDuplicateIdIsGoogles409Duplicate() throws Exception {
        client.events().insert("primary", event("abcdef12345", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))
                .execute();

        assertThatThrownBy(() -> client.events().insert("primary",
                event("abcdef12345", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00")).execute())
                .isInstanceOf(GoogleJsonResponseException.class)
                .satisfies(e -> {
                    var g = (GoogleJsonResponseException) e;
                    assertThat(g.getStatusCode()).isEqualTo(409);
                    assertThat(g.getDetails().getErrors().get(0).getReason()).isEqualTo("duplicate");
                });
    }

    @Test
    void freeBusyReportsEventsInUtc() throws Exception {
        client.events().insert("primary", event("abcdef12345", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))
                .execute();

        var answer = client.freebusy().query(new FreeBusyRequest()
                .setTimeMin(new DateTime("2026-12-01T00:00:00Z")).setTimeMax(new DateTime("2026-12-02T00:00:00Z"))
                .setItems(List.of(new FreeBusyRequestItem().setId("primary")))).execute();

        var busy = answer.getCalendars().get("primary").getBusy();
        assertThat(busy).hasSize(1);
        assertThat(Instant.ofEpochMilli(busy.get(0).getStart().getValue())).isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));
        assertThat(Instant.ofEpochMilli(busy.get(0).getEnd().getValue())).isEqualTo(Instant.parse("2026-12-01T09:00:00Z"));
    }

    @Test
    void aKeyTheSimulatorDidNotIssueIsRefused() {
        var stranger = TestKeys.serviceAccountKeyFile(simulator.rootUrl() + "token");
        var foreign = clientWithKey("file:" + stranger);

        assertThatThrownBy(() -> foreign.events().get("primary", "abcdef12345").execute())
                .hasMessageContaining("invalid_grant");
    }

    private static Calendar clientWithKey(String key) {
        return new HubGoogleCalendarClientFactory(simulator.rootUrl(), Duration.ofSeconds(2), Duration.ofSeconds(2))
                .makeClient(new DefaultCamelContext(), key, List.of(), "test", null);
    }

    private static Event event(String id, String start, String end) {
        return new Event().setId(id).setSummary("Consultation")
                .setStart(new EventDateTime().setDateTime(new DateTime(start)))
                .setEnd(new EventDateTime().setDateTime(new DateTime(end)))
                .setExtendedProperties(new Event.ExtendedProperties().setPrivate(Map.of("bookingId", "b-1")));
    }
}
