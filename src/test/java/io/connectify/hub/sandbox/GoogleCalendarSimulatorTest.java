package io.connectify.hub.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.client.util.DateTime;
import com.google.api.services.calendar.Calendar;
import com.google.api.services.calendar.CalendarScopes;
import com.google.api.services.calendar.model.Event;
import com.google.api.services.calendar.model.EventDateTime;
import com.google.api.services.calendar.model.FreeBusyRequest;
import com.google.api.services.calendar.model.FreeBusyRequestItem;
import com.google.api.services.calendar.model.TimePeriod;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.ServiceAccountCredentials;
import io.connectify.hub.calendar.GoogleErrors;
import io.connectify.hub.calendar.HubGoogleCalendarClientFactory;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.support.TestKeys;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The real Google client, built by the hub's factory, against the sandbox simulator: the sandbox speaks Google. */
class GoogleCalendarSimulatorTest {

    private static final String ID = "abcdef12345";
    private static final SandboxServer server = new SandboxServer(0);
    private static final GoogleCalendarSimulator simulator = new GoogleCalendarSimulator(server);

    static {
        server.start();
    }

    private Calendar client;

    @BeforeEach
    void emptyCalendarAndFreshClient() {
        simulator.reset();
        client = clientWithKey("file:" + simulator.serviceAccountKeyFile());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anEventInsertedWithAClientChosenIdIsReadBack() throws Exception {
        Event created = insert(ID, "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");

        assertThat(created.getId()).isEqualTo(ID);
        assertThat(created.getStatus()).isEqualTo("confirmed");
        assertThat(created.getEtag()).isNotBlank();
        assertThat(created.getHtmlLink()).startsWith(simulator.rootUrl());
        Event read = client.events().get("primary", ID).execute();
        assertThat(read.getSummary()).isEqualTo("Consultation");
        assertThat(read.getStart().getDateTime().getValue()).isEqualTo(Instant.parse("2026-12-01T08:00:00Z").toEpochMilli());
        assertThat(read.getExtendedProperties().getPrivate()).isEqualTo(Map.of("bookingId", "b-1"));
        assertThat(read.getCreated()).isNotNull();
        assertThat(simulator.eventCount()).isEqualTo(1);
    }

    @Test
    void anInsertWithoutIdGetsABase32HexId() throws Exception {
        Event created = insert(null, "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");

        assertThat(created.getId()).matches("[a-v0-9]{5,1024}");
    }

    @Test
    void aDuplicateIdIsGoogles409Duplicate() throws Exception {
        insert(ID, "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");

        assertGoogleError(() -> insert(ID, "2026-12-01T11:00:00+01:00", "2026-12-01T12:00:00+01:00"), 409, "duplicate");
        assertThat(simulator.eventCount()).isEqualTo(1);
    }

    @Test
    void aUuidIsNotAValidEventId() {
        assertGoogleError(() -> insert("0b7e4a52-5d43-4c2f-9d1e-3f6a2b8c9d10", "2026-12-01T09:00:00+01:00",
                "2026-12-01T10:00:00+01:00"), 400, "invalid");
        assertThat(simulator.eventCount()).isZero();
    }

    @Test
    void anEventEndingAtItsStartIsAnEmptyTimeRange() {
        assertGoogleError(() -> insert(ID, "2026-12-01T09:00:00+01:00", "2026-12-01T08:00:00Z"), 400, "timeRangeEmpty");
    }

    @Test
    void anEventWithoutEndIsRefused() {
        assertGoogleError(() -> client.events().insert("primary", new Event().setSummary("No end")
                .setStart(new EventDateTime().setDateTime(new DateTime("2026-12-01T09:00:00+01:00")))).execute(),
                400, "required");
    }

    @Test
    void listingReturnsTheEventsOverlappingTheRangeByStartTime() throws Exception {
        insert("afternoon1", "2026-12-01T14:00:00+01:00", "2026-12-01T15:00:00+01:00");
        insert("seconddate", "2026-12-02T09:00:00+01:00", "2026-12-02T10:00:00+01:00");
        insert("morning001", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");
        insert("overnight1", "2026-11-30T23:30:00+01:00", "2026-12-01T00:30:00+01:00");

        var listed = client.events().list("primary")
                .setTimeMin(new DateTime("2026-12-01T00:00:00+01:00")).setTimeMax(new DateTime("2026-12-02T00:00:00+01:00"))
                .setSingleEvents(true).setOrderBy("startTime").setMaxResults(250).execute();

        assertThat(listed.getItems()).extracting(Event::getId).containsExactly("overnight1", "morning001", "afternoon1");
        assertThat(client.events().list("primary").execute().getItems()).hasSize(4);
    }

    @Test
    void aPatchChangesTheGivenFieldsOnly() throws Exception {
        insert(ID, "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");

        Event patched = client.events().patch("primary", ID, new Event().setSummary("Moved")).execute();

        assertThat(patched.getSummary()).isEqualTo("Moved");
        Event read = client.events().get("primary", ID).execute();
        assertThat(read.getSummary()).isEqualTo("Moved");
        assertThat(read.getExtendedProperties().getPrivate()).isEqualTo(Map.of("bookingId", "b-1"));
        assertThat(read.getEnd().getDateTime().getValue()).isEqualTo(Instant.parse("2026-12-01T09:00:00Z").toEpochMilli());
    }

    @Test
    void aPatchTunnelledThroughPostIsApplied() throws Exception {
        insert(ID, "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");
        // the JDK transport cannot send PATCH: Google's client sends POST with X-HTTP-Method-Override
        var credentials = ServiceAccountCredentials.fromStream(
                java.nio.file.Files.newInputStream(simulator.serviceAccountKeyFile()), NetHttpTransport::new)
                .createScoped(CalendarScopes.CALENDAR);
        Calendar jdkClient = new Calendar.Builder(new NetHttpTransport(), GsonFactory.getDefaultInstance(),
                new HttpCredentialsAdapter(credentials))
                .setRootUrl(simulator.rootUrl()).setServicePath("calendar/v3/").setApplicationName("test").build();

        jdkClient.events().patch("primary", ID, new Event().setSummary("Tunnelled")).execute();

        assertThat(client.events().get("primary", ID).execute().getSummary()).isEqualTo("Tunnelled");
    }

    /**
     * Google's get always answers a deleted event (status "cancelled", only its id sure), its patch patches it in the
     * bin and answers it 200, still cancelled (before, the simulator answered 410), its delete 410.
     */
    @Test
    void aDeletedEventIsReadAndPatchedAsCancelledAndCannotBeDeletedAgain() throws Exception {
        insert(ID, "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");

        client.events().delete("primary", ID).execute();

        Event deleted = client.events().get("primary", ID).execute();
        assertThat(deleted.getId()).isEqualTo(ID);
        assertThat(deleted.getStatus()).isEqualTo("cancelled");
        assertThat(deleted.getSummary()).isNull();
        Event patched = client.events().patch("primary", ID, new Event().setSummary("Back").setStatus("confirmed"))
                .execute();
        assertThat(patched.getId()).isEqualTo(ID);
        assertThat(patched.getStatus()).isEqualTo("cancelled");
        assertThat(patched.getSummary()).isEqualTo("Back");
        assertThat(client.events().get("primary", ID).execute().getStatus()).isEqualTo("cancelled");
        assertGoogleError(() -> client.events().delete("primary", ID).execute(), 410, "deleted");
        assertGoogleError(() -> client.events().get("primary", "missing123").execute(), 404, "notFound");
        assertThat(simulator.eventCount()).isZero();
        // Google keeps the id of a deleted event taken
        assertGoogleError(() -> insert(ID, "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"), 409, "duplicate");
    }

    @Test
    void freeBusyReportsEventsInUtcClippedToTheWindowAndMerged() throws Exception {
        insert("nineoclock", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");
        insert("overlapping", "2026-12-01T09:30:00+01:00", "2026-12-01T10:30:00+01:00");
        insert("lateevening", "2026-12-01T23:30:00Z", "2026-12-02T01:00:00Z");
        insert("deleted001", "2026-12-01T12:00:00Z", "2026-12-01T13:00:00Z");
        insert("otherdate1", "2026-12-03T12:00:00Z", "2026-12-03T13:00:00Z");
        client.events().delete("primary", "deleted001").execute();

        var answer = client.freebusy().query(new FreeBusyRequest()
                .setTimeMin(new DateTime("2026-12-01T00:00:00Z")).setTimeMax(new DateTime("2026-12-02T00:00:00Z"))
                .setTimeZone("Europe/Zurich")
                .setItems(List.of(new FreeBusyRequestItem().setId("primary")))).execute();

        assertThat(answer.getCalendars().get("primary").getBusy()).extracting(GoogleCalendarSimulatorTest::range)
                .containsExactly("2026-12-01T08:00:00Z/2026-12-01T09:30:00Z", "2026-12-01T23:30:00Z/2026-12-02T00:00:00Z");
    }

    /**
     * An event patched transparent (a booking cancelled with cancelled-event mark-cancelled) is still listed but blocks
     * no time, as in Google's FreeBusy; before, the simulator counted it busy.
     */
    @Test
    void aTransparentEventIsListedButNotBusy() throws Exception {
        insert(ID, "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");

        client.events().patch("primary", ID, new Event().setSummary("Cancelled: Consultation").setStatus("confirmed")
                .setTransparency("transparent")).execute();

        assertThat(client.events().list("primary").execute().getItems()).extracting(Event::getSummary)
                .containsExactly("Cancelled: Consultation");
        var answer = client.freebusy().query(new FreeBusyRequest()
                .setTimeMin(new DateTime("2026-12-01T00:00:00Z")).setTimeMax(new DateTime("2026-12-02T00:00:00Z"))
                .setItems(List.of(new FreeBusyRequestItem().setId("primary")))).execute();
        assertThat(answer.getCalendars().get("primary").getBusy()).isEmpty();
    }

    @Test
    void freeBusyOfAnEmptyCalendarIsFree() throws Exception {
        var answer = client.freebusy().query(new FreeBusyRequest()
                .setTimeMin(new DateTime("2026-12-01T00:00:00Z")).setTimeMax(new DateTime("2026-12-02T00:00:00Z"))
                .setItems(List.of(new FreeBusyRequestItem().setId("team@example.com")))).execute();

        assertThat(answer.getCalendars().get("team@example.com").getBusy()).isEmpty();
    }

    @Test
    void aKeySignedByAnotherRsaKeyIsRefusedAtTheTokenEndpoint() {
        var stranger = TestKeys.serviceAccountKeyFile(simulator.rootUrl() + "token");
        Calendar foreign = clientWithKey("file:" + stranger);

        assertThatThrownBy(() -> foreign.events().insert("primary", event(ID, "2026-12-01T09:00:00+01:00",
                "2026-12-01T10:00:00+01:00")).execute())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("400")
                .hasMessageContaining("invalid_grant")
                // the key's fault, as Google's 401 is: never the event's (a validation error)
                .satisfies(e -> assertThat(GoogleErrors.translate(e)).isInstanceOfSatisfying(ProviderException.class,
                        refused -> assertThat(refused.kind()).isEqualTo(ProviderException.Kind.REJECTED)));
        assertThat(simulator.eventCount()).isZero();
    }

    @Test
    void aCallWithoutAnIssuedTokenIsGoogles401() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(simulator.rootUrl() + "calendar/v3/calendars/primary/events/" + ID))
                .header("Authorization", "Bearer forged").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode error = new ObjectMapper().readTree(response.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(401);
        assertThat(error.get("status").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(error.get("errors").get(0).get("reason").asText()).isEqualTo("authError");
    }

    @Test
    void anUnknownPathIsA404JsonError() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(simulator.rootUrl() + "nothing/here")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=UTF-8");
        assertThat(new ObjectMapper().readTree(response.body()).at("/error/errors/0/reason").asText())
                .isEqualTo("notFound");
    }

    private Event insert(String id, String start, String end) throws IOException {
        return client.events().insert("primary", event(id, start, end)).execute();
    }

    private static void assertGoogleError(Executable call, int status, String reason) {
        assertThatThrownBy(call::execute).isInstanceOfSatisfying(GoogleJsonResponseException.class, e -> {
            assertThat(e.getStatusCode()).isEqualTo(status);
            assertThat(e.getDetails().getErrors().get(0).getReason()).isEqualTo(reason);
        });
    }

    private static String range(TimePeriod period) {
        return Instant.ofEpochMilli(period.getStart().getValue()) + "/" + Instant.ofEpochMilli(period.getEnd().getValue());
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
