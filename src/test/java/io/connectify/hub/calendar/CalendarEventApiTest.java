package io.connectify.hub.calendar;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static io.connectify.hub.support.GoogleCalendarFake.authorized;
import static io.connectify.hub.support.GoogleCalendarFake.error;
import static io.connectify.hub.support.GoogleCalendarFake.eventJson;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.OpenApiRequestValidator;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@HubTest
class CalendarEventApiTest extends HubTestBase {

    private static final String EVENT = eventJson("abc123def456", "Consultation", "2026-12-01T09:00:00+01:00",
            "2026-12-01T10:00:00+01:00");

    @AfterEach
    void everyRequestGoogleReceivedMatchesItsApiDescription() {
        OpenApiRequestValidator.assertValid(google.server(), OpenApiRequestValidator.GOOGLE_CALENDAR, "/calendar/v3/.*");
    }

    @Test
    void createSendsTheMappedEventToGoogle() {
        google.stub(authorized(post(urlPathEqualTo(EVENTS))).willReturn(okJson(EVENT)));

        var response = httpPost("/api/v1/calendar/events", """
                {"id":"abc123def456","summary":"Consultation","description":"Bring documents",
                 "start":"2026-12-01T09:00:00+01:00","end":"2026-12-01T10:00:00+01:00",
                 "privateProperties":{"bookingId":"b-1"}}
                """);

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.header("Location")).isEqualTo("/api/v1/calendar/events/abc123def456");
        assertThat(response.json().get("start").asText()).isEqualTo("2026-12-01T09:00:00+01:00");
        google.server().verify(postRequestedFor(urlPathEqualTo(EVENTS))
                .withHeader("Authorization", equalTo("Bearer " + GoogleCalendarFake.TOKEN))
                .withRequestBody(equalToJson("""
                        {"id":"abc123def456","summary":"Consultation","description":"Bring documents",
                         "start":{"dateTime":"2026-12-01T09:00:00.000+01:00"},
                         "end":{"dateTime":"2026-12-01T10:00:00.000+01:00"},
                         "extendedProperties":{"private":{"bookingId":"b-1"}}}
                        """)));
    }

    @Test
    void getListPatchAndDeleteReachTheRightGoogleResources() {
        google.stub(authorized(get(urlPathEqualTo(EVENTS + "/abc123def456"))).willReturn(okJson(EVENT)));
        google.stub(authorized(get(urlPathEqualTo(EVENTS))).willReturn(okJson(GoogleCalendarFake.eventsJson(List.of(EVENT)))));
        google.stub(authorized(patch(urlPathEqualTo(EVENTS + "/abc123def456"))).willReturn(okJson(
                eventJson("abc123def456", "Moved", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))));
        google.stub(authorized(delete(urlPathEqualTo(EVENTS + "/abc123def456"))).willReturn(noContent()));

        assertThat(httpGet("/api/v1/calendar/events/abc123def456").json().get("summary").asText()).isEqualTo("Consultation");

        var list = httpGet("/api/v1/calendar/events?from=" + q("2026-12-01T00:00:00+01:00") + "&to="
                + q("2026-12-02T00:00:00+01:00"));
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().get("events").get(0).get("id").asText()).isEqualTo("abc123def456");
        google.server().verify(getRequestedFor(urlPathEqualTo(EVENTS))
                .withQueryParam("timeMin", equalTo("2026-11-30T23:00:00.000Z"))
                .withQueryParam("timeMax", equalTo("2026-12-01T23:00:00.000Z"))
                .withQueryParam("singleEvents", equalTo("true"))
                .withQueryParam("orderBy", equalTo("startTime")));

        var patched = httpPatch("/api/v1/calendar/events/abc123def456", "{\"summary\":\"Moved\"}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().get("summary").asText()).isEqualTo("Moved");
        google.server().verify(patchRequestedFor(urlPathEqualTo(EVENTS + "/abc123def456"))
                .withRequestBody(equalToJson("{\"summary\":\"Moved\"}")));

        assertThat(httpDelete("/api/v1/calendar/events/abc123def456").status()).isEqualTo(204);
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(EVENTS + "/abc123def456")));
    }

    @Test
    void anEventWithoutAnIdGetsOneOfTheHubsSoARetriedCreateMakesNoSecondEvent() throws Exception {
        // as when the insert's first answer was lost and its retry meets the event that attempt made
        google.stub(authorized(post(urlPathEqualTo(EVENTS))).willReturn(error(409, "duplicate")));
        google.stub(authorized(get(urlPathMatching(EVENTS + "/ev[0-9a-f]{32}"))).willReturn(okJson(
                eventJson("evmade", "Team meeting", "2026-12-01T13:00:00+01:00", "2026-12-01T14:00:00+01:00"))));

        var created = httpPost("/api/v1/calendar/events", """
                {"summary":"Team meeting","start":"2026-12-01T13:00:00+01:00","end":"2026-12-01T14:00:00+01:00"}
                """);

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("summary").asText()).isEqualTo("Team meeting");
        String sentId = JSON.readTree(google.server().findAll(postRequestedFor(urlPathEqualTo(EVENTS))).get(0)
                .getBodyAsString()).get("id").asText();
        assertThat(sentId).matches("ev[0-9a-f]{32}");
        google.server().verify(1, getRequestedFor(urlPathEqualTo(EVENTS + "/" + sentId)));
    }

    @Test
    void allDayEventsOnEveryPageOfTheListAreRead() {
        google.stub(authorized(get(urlPathEqualTo(EVENTS))).withQueryParam("pageToken", absent()).willReturn(okJson("""
                {"kind":"calendar#events","nextPageToken":"page2","items":[
                 {"kind":"calendar#event","id":"holiday1","status":"confirmed","summary":"Christmas Eve",
                  "start":{"date":"2026-12-24"},"end":{"date":"2026-12-25"}}]}""")));
        google.stub(authorized(get(urlPathEqualTo(EVENTS))).withQueryParam("pageToken", equalTo("page2"))
                .willReturn(okJson(GoogleCalendarFake.eventsJson(List.of(EVENT)))));

        var list = httpGet("/api/v1/calendar/events?from=" + q("2026-12-01T00:00:00+01:00") + "&to="
                + q("2026-12-31T00:00:00+01:00"));

        assertThat(list.status()).as(list.body()).isEqualTo(200);
        assertThat(list.json().get("events").findValuesAsText("id")).containsExactly("holiday1", "abc123def456");
        var holiday = list.json().get("events").get(0);
        // midnight in the hub's time zone, its end date exclusive
        assertThat(holiday.get("start").asText()).isEqualTo("2026-12-24T00:00:00+01:00");
        assertThat(holiday.get("end").asText()).isEqualTo("2026-12-25T00:00:00+01:00");
        google.server().verify(2, getRequestedFor(urlPathEqualTo(EVENTS)));
    }

    @Test
    void aDeleteRetriedAfterGoogleDeletedTheEventIsDoneAndAReadOfItIs404() {
        // the first attempt's answer is lost (Google deleted the event, the hub saw a 503); the retry finds it gone
        google.stub(delete(urlPathEqualTo(EVENTS + "/gone00001")).inScenario("lost").whenScenarioStateIs(STARTED)
                .willReturn(error(503, "backendError")).willSetStateTo("deleted"));
        google.stub(delete(urlPathEqualTo(EVENTS + "/gone00001")).inScenario("lost").whenScenarioStateIs("deleted")
                .willReturn(error(410, "deleted")));
        google.stub(get(urlPathEqualTo(EVENTS + "/gone00001")).willReturn(error(410, "deleted")));
        google.stub(delete(urlPathEqualTo(EVENTS + "/never0001")).willReturn(error(404, "notFound")));

        assertThat(httpDelete("/api/v1/calendar/events/gone00001").status()).isEqualTo(204);
        assertThat(httpGet("/api/v1/calendar/events/gone00001").status()).isEqualTo(404);
        assertThat(httpDelete("/api/v1/calendar/events/never0001").status()).isEqualTo(404);
        google.server().verify(2, deleteRequestedFor(urlPathEqualTo(EVENTS + "/gone00001")));
    }

    /** Google's get answers a deleted event 200 with status "cancelled" (only its id sure), not 410 as its delete. */
    @Test
    void aDeletedEventIsNotFound() {
        google.stub(authorized(get(urlPathEqualTo(EVENTS + "/abc123def456"))).willReturn(okJson(
                "{\"kind\":\"calendar#event\",\"id\":\"abc123def456\",\"status\":\"cancelled\"}")));

        var response = httpGet("/api/v1/calendar/events/abc123def456");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("type").asText()).isEqualTo("not-found");
        assertThat(response.body()).doesNotContain("cancelled");
    }

    /**
     * Google patches a deleted event (in its bin) and answers it 200 with status "cancelled": 404 not-found, as a GET
     * of it answers. Before, 200 with the deleted event.
     */
    /**
     * A merge patch's null removes the member (RFC 7396): Google is sent an empty text for it, which clears it (its
     * API description allows no null there). Before, null
     * read as absent: {"description":null} answered 200 and cleared nothing.
     */
    @Test
    void aPatchWithANullDescriptionClearsItAtGoogle() {
        google.stub(authorized(patch(urlPathEqualTo(EVENTS + "/abc123def456"))).willReturn(okJson(
                "{\"kind\":\"calendar#event\",\"id\":\"abc123def456\",\"status\":\"confirmed\","
                        + "\"summary\":\"Moved\"}")));

        var response = send(request("/api/v1/calendar/events/abc123def456")
                .header("Content-Type", "application/merge-patch+json")
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"summary\":\"Moved\",\"description\":null}")), API_KEY);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().path("description").isTextual()).isFalse();
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(EVENTS + "/abc123def456"))
                .withRequestBody(equalToJson("{\"summary\":\"Moved\",\"description\":\"\"}")));
    }

    /** An event keeps its times, its id and its private properties: null for one of them is refused, Google not asked. */
    @Test
    void aPatchCannotRemoveTheTimesOrOtherMembersAnEventKeeps() {
        for (String member : List.of("start", "end", "id", "privateProperties")) {
            var response = httpPatch("/api/v1/calendar/events/abc123def456",
                    "{\"summary\":\"Moved\",\"" + member + "\":null}");

            assertThat(response.status()).as(member + ": " + response.body()).isEqualTo(400);
            assertThat(response.json().get("type").asText()).isEqualTo("validation");
            assertThat(response.json().get("detail").asText()).isEqualTo("'" + member + "' cannot be removed");
        }
        google.server().verify(0, patchRequestedFor(urlPathMatching(EVENTS + "/.*")));
    }

    @Test
    void aPatchOfADeletedEventIsNotFound() {
        google.stub(authorized(patch(urlPathEqualTo(EVENTS + "/abc123def456"))).willReturn(okJson(
                "{\"kind\":\"calendar#event\",\"id\":\"abc123def456\",\"status\":\"cancelled\","
                        + "\"summary\":\"Moved\"}")));

        var response = httpPatch("/api/v1/calendar/events/abc123def456", "{\"summary\":\"Moved\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(404);
        assertThat(response.json().get("type").asText()).isEqualTo("not-found");
        assertThat(response.body()).doesNotContain("cancelled");
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(EVENTS + "/abc123def456")));
    }

    @Test
    void googleNotFoundIs404AndDuplicateIs409() {
        google.stub(get(urlPathEqualTo(EVENTS + "/missing00")).willReturn(error(404, "notFound")));
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(error(409, "duplicate")));

        var missing = httpGet("/api/v1/calendar/events/missing00");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("type").asText()).isEqualTo("not-found");

        var duplicate = httpPost("/api/v1/calendar/events", """
                {"id":"abc123def456","summary":"x","start":"2026-12-01T09:00:00+01:00","end":"2026-12-01T10:00:00+01:00"}
                """);
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.json().get("type").asText()).isEqualTo("duplicate-event");
        // neither is a provider failure: no retry
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        google.server().verify(1, getRequestedFor(urlPathEqualTo(EVENTS + "/missing00")));
    }

    /**
     * Google's 400 to an insert is the event's fault, told to the caller; its token endpoint's 400 (the key revoked or
     * deleted) is the hub's credentials, not the caller's event: a provider error, as Google's 401 is.
     */
    @Test
    void anEventGoogleRefusesIs400ButAKeyItsTokenEndpointRefusesIs502() {
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(error(400, "invalid")));
        String event = """
                {"id":"abc123def456","summary":"x","start":"2026-12-01T09:00:00+01:00","end":"2026-12-01T10:00:00+01:00"}
                """;

        var refusedEvent = httpPost("/api/v1/calendar/events", event);
        assertThat(refusedEvent.status()).isEqualTo(400);
        assertThat(refusedEvent.json().get("type").asText()).isEqualTo("validation");

        google.refuseTokens(400, "invalid_grant", "Invalid JWT Signature.");
        var refusedKey = httpPost("/api/v1/calendar/events", event);
        assertThat(refusedKey.status()).isEqualTo(502);
        assertThat(refusedKey.json().get("type").asText()).isEqualTo("provider-error");
        assertThat(refusedKey.json().get("detail").asText()).doesNotContain("rejected the event");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS))); // the first only: no token, no call
    }

    @Test
    void invalidEventsNeverReachGoogle() {
        assertThat(httpPost("/api/v1/calendar/events", """
                {"summary":"x","start":"2026-12-01T10:00:00+01:00","end":"2026-12-01T09:00:00+01:00"}
                """).json().get("type").asText()).isEqualTo("calculation");
        assertThat(httpPost("/api/v1/calendar/events", """
                {"summary":"x","start":"2026-12-01 10:00","end":"2026-12-01T11:00:00+01:00"}
                """).json().get("type").asText()).isEqualTo("time-parse");
        assertThat(httpPost("/api/v1/calendar/events", """
                {"summary":"x","start":"+10000-01-01T09:00:00+01:00","end":"+10000-01-01T10:00:00+01:00"}
                """).json().get("type").asText()).isEqualTo("time-parse");
        assertThat(httpPost("/api/v1/calendar/events", """
                {"id":"Not-Base32!","summary":"x","start":"2026-12-01T10:00:00+01:00","end":"2026-12-01T11:00:00+01:00"}
                """).status()).isEqualTo(400);
        assertThat(httpGet("/api/v1/calendar/events/bad%20id").status()).isEqualTo(400);
        var nullProperty = httpPost("/api/v1/calendar/events", """
                {"summary":"x","start":"2026-12-01T10:00:00+01:00","end":"2026-12-01T11:00:00+01:00",
                 "privateProperties":{"k":null}}""");
        assertThat(nullProperty.status()).as(nullProperty.body()).isEqualTo(400);
        assertThat(nullProperty.json().get("detail").asText()).contains("privateProperties");
        var wholeCalendar = httpGet("/api/v1/calendar/events?from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z");
        assertThat(wholeCalendar.status()).isEqualTo(422); // page after page under the rate limit bookings share
        assertThat(wholeCalendar.json().get("type").asText()).isEqualTo("calculation");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        google.server().verify(0, matchingAnyCalendarRequest());
    }

    /**
     * A PATCH of only the end, before the event's stored start: Google's 400 timeRangeEmpty is answered as a POST with
     * its end before its start, 422 calculation. Before, 400 validation "Google Calendar rejected the event:
     * timeRangeEmpty".
     */
    @Test
    void aPatchedEndBeforeTheStoredStartIsACalculationErrorAsForACreate() {
        google.stub(patch(urlPathEqualTo(EVENTS + "/abc123def456")).willReturn(error(400, "timeRangeEmpty")));

        var patched = httpPatch("/api/v1/calendar/events/abc123def456", "{\"end\":\"2026-12-01T08:00:00+01:00\"}");
        var created = httpPost("/api/v1/calendar/events", """
                {"summary":"x","start":"2026-12-01T10:00:00+01:00","end":"2026-12-01T09:00:00+01:00"}
                """);

        assertThat(patched.status()).as(patched.body()).isEqualTo(422).isEqualTo(created.status());
        assertThat(patched.json().get("type").asText()).isEqualTo("calculation")
                .isEqualTo(created.json().get("type").asText());
        assertThat(patched.json().get("detail").asText()).startsWith("'end' must be after 'start'");
    }

    /**
     * Google's 400 is told by its reason (error.errors[].reason), whatever its message says (Google words and
     * localizes them): timeRangeEmpty with another message is 422 calculation, and a message saying the range is
     * empty under another reason stays Google's 400 validation. Google's message counts only in an answer with no
     * reason at all. Before, a reason was read only from the first error, and an answer with none was 400.
     */
    @Test
    void aPatchGoogleRefusesIsToldByGooglesReasonNotItsMessage() {
        String patchEnd = "{\"end\":\"2026-12-01T08:00:00+01:00\"}";
        google.stub(patch(urlPathEqualTo(EVENTS + "/reasonnotext1")).willReturn(googleError(
                "Der angegebene Zeitraum ist leer.", "{\"domain\":\"calendar\",\"reason\":\"timeRangeEmpty\","
                        + "\"message\":\"Der angegebene Zeitraum ist leer.\"}")));
        google.stub(patch(urlPathEqualTo(EVENTS + "/secondreason1")).willReturn(googleError("Bad Request",
                "{\"domain\":\"global\",\"reason\":\"invalid\",\"message\":\"Bad Request\"},"
                        + "{\"domain\":\"calendar\",\"reason\":\"timeRangeEmpty\",\"message\":\"Bad Request\"}")));
        google.stub(patch(urlPathEqualTo(EVENTS + "/textnoreason1")).willReturn(googleError(
                "The specified time range is empty.", "{\"message\":\"The specified time range is empty.\"}")));
        google.stub(patch(urlPathEqualTo(EVENTS + "/otherreason1")).willReturn(googleError(
                "The specified time range is empty.", "{\"domain\":\"global\",\"reason\":\"invalid\","
                        + "\"message\":\"The specified time range is empty.\"}")));

        for (String id : List.of("reasonnotext1", "secondreason1", "textnoreason1")) {
            var patched = httpPatch("/api/v1/calendar/events/" + id, patchEnd);
            assertThat(patched.status()).as(id + ": " + patched.body()).isEqualTo(422);
            assertThat(patched.json().get("type").asText()).isEqualTo("calculation");
            assertThat(patched.json().get("detail").asText()).startsWith("'end' must be after 'start'");
        }
        var otherReason = httpPatch("/api/v1/calendar/events/otherreason1", patchEnd);
        assertThat(otherReason.status()).as(otherReason.body()).isEqualTo(400);
        assertThat(otherReason.json().get("type").asText()).isEqualTo("validation");
        assertThat(otherReason.json().get("detail").asText()).isEqualTo("Google Calendar rejected the event: invalid");
        google.server().verify(4, patchRequestedFor(urlPathMatching(EVENTS + "/[a-z0-9]+")));
    }

    /** Google's JSON error body of a 400 with its message and its errors[] (each a JSON object) as given. */
    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder googleError(String message,
            String errors) {
        return com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json; charset=UTF-8")
                .withBody("{\"error\":{\"code\":400,\"message\":\"" + message + "\",\"errors\":[" + errors + "]}}");
    }

    /**
     * The widest list range (connectify.gcal.max-list-range, 92 days) is counted on the practice's wall clock:
     * August to October, ending at November's midnight after the clocks went back, is 92 days and is read; a minute
     * more is refused before Google is asked. Before, it was 92 days and an hour apart and refused 422.
     */
    @Test
    void aListRangeAcrossTheAutumnClockChangeIsCountedInThePracticesDays() {
        google.stub(authorized(get(urlPathEqualTo(EVENTS))).willReturn(okJson(GoogleCalendarFake.eventsJson(List.of()))));

        var quarter = httpGet("/api/v1/calendar/events?from=" + q("2027-08-01T00:00:00+02:00") + "&to="
                + q("2027-11-01T00:00:00+01:00"));
        assertThat(quarter.status()).as(quarter.body()).isEqualTo(200);
        google.server().verify(1, getRequestedFor(urlPathEqualTo(EVENTS)));

        var longer = httpGet("/api/v1/calendar/events?from=" + q("2027-08-01T00:00:00+02:00") + "&to="
                + q("2027-11-01T00:01:00+01:00"));
        assertThat(longer.status()).isEqualTo(422);
        assertThat(longer.json().get("detail").asText()).contains("at most 92 days");
        google.server().verify(1, getRequestedFor(urlPathEqualTo(EVENTS)));
    }

    /** A list's reversed range names its query parameters, from and to: it said "'end' must be after 'start'". */
    @Test
    void aReversedListRangeNamesFromAndTo() {
        var reversed = httpGet("/api/v1/calendar/events?from=" + q("2026-12-15T00:00:00+01:00") + "&to="
                + q("2026-12-14T00:00:00+01:00"));

        assertThat(reversed.status()).as(reversed.body()).isEqualTo(422);
        assertThat(reversed.json().get("type").asText()).isEqualTo("calculation");
        assertThat(reversed.json().get("detail").asText()).isEqualTo("'to' must be after 'from'");
        google.server().verify(0, matchingAnyCalendarRequest());
    }

    private static com.github.tomakehurst.wiremock.matching.RequestPatternBuilder matchingAnyCalendarRequest() {
        return com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/calendar/.*"));
    }

}
