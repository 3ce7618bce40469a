package io.connectify.hub.calendar;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
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
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.booking.CalendarEventRecheck;
import io.connectify.hub.support.CountingClock;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HeldAnswer;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.OpenApiRequestValidator;
import io.connectify.hub.support.TestClockConfig;
import io.connectify.hub.support.TimerRoutes;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

/**
 * Google Calendar push: the channel the hub keeps open (events.watch, channels.stop on the Google fake), the webhook
 * Google calls (token, channel, state), and the re-check a change starts: a booking whose event was moved in Google
 * follows it and its customer is told; one whose event was deleted is flagged for a person and stays confirmed.
 */
@HubTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        "connectify.gcal.push.enabled=true",
        "connectify.gcal.push.address=" + GoogleCalendarPushTest.ADDRESS,
        "connectify.gcal.push.token=" + GoogleCalendarPushTest.TOKEN,
        // opened and re-checked by the tests themselves, not by the timers while another test runs
        "connectify.gcal.push.first-renewal-after=24h",
        "connectify.gcal.push.recheck-interval=24h",
        // a few bookings make several pages of a re-check
        "connectify.gcal.push.recheck-page-size=2",
        "connectify.gcal.push.mass-deletion-threshold=3",
        // Google's answers a test holds (a watch, a PATCH) wait longer than the suite's 1 s, and are not retried
        "connectify.gcal.read-timeout=10s"})
class GoogleCalendarPushTest extends Webhooks {

    static final String ADDRESS = "http://127.0.0.1:9/webhooks/google-calendar";
    static final String TOKEN = "push-token-0123456789abcdef";
    private static final String START = "2026-12-02T09:00:00+01:00";
    private static final String AFTERNOON = "2026-12-02T13:00:00+01:00";
    private static final String LATE_AFTERNOON = "2026-12-02T15:30:00+01:00";
    private static final String NO_EVENTS = "{\"kind\":\"calendar#events\",\"items\":[]}";
    /** Channels whose watch failed that Google opened all the same: found sending, and stopped. */
    private static final String ORPHANS = "connectify.gcal.push.orphan.channels";
    /** The renewal's timer route. */
    private static final String RENEWAL = "gcal-renew-push-channel";

    @Autowired
    ProducerTemplate camel;
    @Autowired
    CamelContext context;
    @Autowired
    MeterRegistry meters;
    @Autowired
    @Qualifier("gcalRechecks")
    CoalescingRun rechecks;
    @Autowired
    CalendarEventRecheck recheck;
    @Autowired
    @Qualifier(TestClockConfig.BOOKING_READINGS)
    CountingClock bookingClock;
    @Autowired
    GoogleCalendarGateway gateway;
    @Autowired
    PushChannelRepository channelRepository;
    @Autowired
    GoogleCalendarPushProperties pushProperties;
    @Autowired
    GoogleCalendarProperties calendarProperties;
    @Autowired
    PushMetrics pushMetrics;

    @BeforeEach
    void noChannel() {
        jdbc.sql("DELETE FROM gcal_push_channel").update();
        // the calendar lists no event unless a test says so: each booking's event is then read on its own
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(NO_EVENTS)));
    }

    /** events.watch, channels.stop and the re-check's reads, as Google's API description has them. */
    @AfterEach
    void everyCalendarRequestIsOneGoogleAccepts() {
        // a run a notification started has ended before the next test resets the fakes
        await().atMost(Duration.ofSeconds(15)).until(() -> !rechecks.busy());
        OpenApiRequestValidator.assertValid(google.server(), OpenApiRequestValidator.GOOGLE_CALENDAR,
                "/calendar/v3/.*");
    }

    @Test
    void aChannelIsOpenedOnTheCalendarWithTheAddressTokenAndExpiryAndStored() {
        String id = renew();

        List<com.fasterxml.jackson.databind.JsonNode> watched = google.watchRequests();
        assertThat(watched).hasSize(1);
        var body = watched.get(0);
        assertThat(UUID.fromString(body.get("id").asText()).toString()).isEqualTo(id);
        assertThat(body.get("type").asText()).isEqualTo("web_hook");
        assertThat(body.get("address").asText()).isEqualTo(ADDRESS);
        assertThat(body.get("token").asText()).isEqualTo(TOKEN);
        // the life asked as events.watch's reference documents it: params.ttl, seconds as a string (channel-ttl, 7d)
        assertThat(body.get("params").properties()).singleElement().satisfies(param -> {
            assertThat(param.getKey()).isEqualTo("ttl");
            assertThat(param.getValue().isTextual()).isTrue();
            assertThat(param.getValue().asText()).isEqualTo("604800");
        });
        // and the same moment as an expiration: milliseconds since the epoch, as a JSON string (Google's int64 format)
        assertThat(body.get("expiration").isTextual()).isTrue();
        Instant expiry = TestClockConfig.NOW.plus(Duration.ofDays(7));
        assertThat(body.get("expiration").asText()).isEqualTo(Long.toString(expiry.toEpochMilli()));

        Map<String, Object> row = jdbc.sql("SELECT * FROM gcal_push_channel").query().singleRow();
        assertThat(row.get("ID")).isEqualTo(id);
        assertThat(row.get("RESOURCE_ID")).isEqualTo(GoogleCalendarFake.WATCH_RESOURCE_ID);
        assertThat(row.get("STOPPED_AT")).isNull();
        // the token's hash, never the token
        assertThat(row.get("TOKEN_SHA256")).isEqualTo(sha256Hex(TOKEN));
        assertThat(row.values()).noneMatch(value -> String.valueOf(value).contains(TOKEN));
        assertThat(jdbc.sql("SELECT expires_at FROM gcal_push_channel").query(OffsetDateTime.class).single()
                .toInstant()).isEqualTo(expiry);

        // a channel far from its expiry stays: no second watch
        assertThat(renew()).isEqualTo(id);
        assertThat(google.watchRequests()).hasSize(1);
        assertThat(google.stopRequests()).isEmpty();
    }

    @Test
    void aChannelNearItsExpiryIsReplacedByANewOneAndTheOldOneStopped() {
        String old = renew();
        clock.set(TestClockConfig.NOW.plus(Duration.ofDays(7)).minus(Duration.ofHours(12))); // within renew-before
        double orphansStopped = count(ORPHANS, "outcome", "stopped");

        String replacement = renew();

        assertReplacedAndStopped(old, replacement);
        assertThat(google.watchRequests().get(1).get("id").asText()).isEqualTo(replacement);
        assertThat(count(ORPHANS, "outcome", "stopped")).as("a replaced channel is no orphan")
                .isEqualTo(orphansStopped);
        // the stopped channel's notifications are refused, the new one's taken
        assertThat(notification(old, TOKEN, "exists").status()).isEqualTo(404);
        assertThat(notification(replacement, TOKEN, "sync").status()).isEqualTo(200);
    }

    /**
     * Google may grant less than channel-ttl: a channel granted 12 hours, shorter than renew-before (1 day), is kept
     * until half its life has passed, then replaced (the old one stopped), and the short grant said once in a WARN
     * naming it. Before, it expired within renew-before from the start: replaced at every look (every renew-interval
     * a watch, a stop, and the new channel's sync starting a full re-check), for good, and nothing said why.
     */
    @Test
    void aChannelGoogleGrantsShorterThanRenewBeforeIsKeptUntilHalfItsLifeNotReplacedAtEveryLook() {
        google.grantChannelsAtMost(Duration.ofHours(12));
        // an instance of its own: the WARN is said once a run, whichever test's channel was granted less first
        PushChannelRenewal renewal = new PushChannelRenewal(gateway, channelRepository, pushProperties,
                calendarProperties, pushMetrics, clock);
        List<ILoggingEvent> logged = new ArrayList<>();
        String first = LogLines.onThisThread(logged, renewal::renew);
        assertThat(notification(first, TOKEN, "sync").status()).isEqualTo(200);

        for (int hour = 1; hour < 6; hour++) { // a look every renew-interval
            clock.advance(Duration.ofHours(1));
            assertThat(LogLines.onThisThread(logged, renewal::renew)).as("kept at hour %d", hour).isEqualTo(first);
        }
        assertThat(google.watchRequests()).hasSize(1);
        assertThat(google.stopRequests()).isEmpty();

        clock.set(TestClockConfig.NOW.plus(Duration.ofHours(6))); // half its life
        String replacement = LogLines.onThisThread(logged, renewal::renew);

        assertReplacedAndStopped(first, replacement);
        assertThat(jdbc.sql("SELECT expires_at FROM gcal_push_channel WHERE id = :id").param("id", replacement)
                .query(OffsetDateTime.class).single().toInstant())
                .isEqualTo(TestClockConfig.NOW.plus(Duration.ofHours(18)));
        assertThat(logged).filteredOn(line -> line.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .as("said once, for the first channel").singleElement().satisfies(line -> assertThat(line)
                        .contains(first).contains("PT12H of the PT168H asked").contains("renew-before (PT24H)")
                        .contains("(PT6H before it expires)").doesNotContain(TOKEN));
    }

    /**
     * A grant so short that half its life is less than renew-interval (40 minutes granted, the looks an hour apart):
     * the look that replaces it comes at the timer's tick when half its life has passed, read from the table, the old
     * one stopped before it expires. Before, the next look came a renew-interval later, the channel expired by then
     * (20 minutes without push), and each look replaced the one in place at once.
     */
    @Test
    void aChannelGrantedLessThanTwiceTheRenewIntervalIsReplacedAtTheTickHalfItsLifeHasPassed() {
        google.grantChannelsAtMost(Duration.ofMinutes(40));
        List<ILoggingEvent> logged = new ArrayList<>();
        String first = renew();
        tick(logged);
        assertThat(notification(first, TOKEN, "sync").status()).isEqualTo(200);

        assertThat(minutesUntilTheNextWatch(logged)).isEqualTo(20L);

        assertOnlyStopAskedFor(first);
        String replacement = google.watchRequests().get(1).get("id").asText();
        assertThat(notification(replacement, TOKEN, "sync").status()).isEqualTo(200);
        assertThat(minutesUntilTheNextWatch(logged)).as("and so on, each replaced at half its life").isEqualTo(20L);
    }

    @Test
    void aChannelOpenedWithAnotherTokenIsReplacedAtTheNextLookAndStopped() {
        String old = renew();
        // as if opened before the token was changed to the configured one
        jdbc.sql("UPDATE gcal_push_channel SET token_sha256 = :hash WHERE id = :id")
                .param("hash", sha256Hex("the-token-before-0123456789")).param("id", old).update();

        String replacement = renew();

        assertReplacedAndStopped(old, replacement);
        assertThat(google.watchRequests().get(1).get("token").asText()).isEqualTo(TOKEN);
        assertThat(jdbc.sql("SELECT token_sha256 FROM gcal_push_channel WHERE id = :id").param("id", replacement)
                .query(String.class).single()).isEqualTo(sha256Hex(TOKEN));

        // a channel opened before the hub stored tokens' hashes is replaced the same way
        jdbc.sql("UPDATE gcal_push_channel SET token_sha256 = NULL WHERE id = :id").param("id", replacement).update();
        String third = renew();
        assertThat(third).isNotIn(old, replacement);
        assertThat(google.stopRequests()).hasSize(2);
        assertThat(google.stopRequests().get(1).get("id").asText()).isEqualTo(replacement);
        // kept from then on
        assertThat(renew()).isEqualTo(third);
        assertThat(google.watchRequests()).hasSize(3);
    }

    @Test
    void aStopGoogleFailsIsLoggedTheOldChannelStillCountsAndTheNextLookStopsIt() {
        String old = renew();
        clock.set(TestClockConfig.NOW.plus(Duration.ofDays(6).plus(Duration.ofHours(13))));
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.STOP_CHANNEL)).willReturn(GoogleCalendarFake.error(500,
                "backendError")));

        String replacement = renew();

        assertThat(replacement).isNotEqualTo(old);
        assertThat(google.stopRequests()).isNotEmpty();
        // Google may still send on it: its notifications are taken until it is stopped or expires
        assertThat(notification(old, TOKEN, "sync").status()).isEqualTo(200);

        google.watchAnswers();
        int stopsSoFar = google.stopRequests().size();
        assertThat(renew()).isEqualTo(replacement);
        assertThat(google.stopRequests()).hasSize(stopsSoFar + 1);
        assertThat(google.watchRequests()).hasSize(2);
        assertThat(notification(old, TOKEN, "sync").status()).isEqualTo(404);
    }

    @Test
    void aChannelGoogleOpenedThoughItsWatchAnswerWasLostIsStoppedOnceItSendsAndTheOneInPlaceKeepsWorking() {
        // Google opens the channel, but its answer is lost (503), and the retry, same id, is refused as a duplicate
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.WATCH)).inScenario("watch")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(GoogleCalendarFake.error(503, "backendError"))
                .willSetStateTo("opened at Google"));
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.WATCH)).inScenario("watch")
                .whenScenarioStateIs("opened at Google")
                .willReturn(GoogleCalendarFake.error(400, "channelIdNotUnique")));
        assertThat(renew()).isNull();
        String orphan = google.watchRequests().get(0).get("id").asText();
        assertThat(google.watchRequests()).hasSizeGreaterThan(1)
                .allSatisfy(watch -> assertThat(watch.get("id").asText()).isEqualTo(orphan));
        google.watchAnswers();
        String current = renew();
        assertThat(current).isNotNull().isNotEqualTo(orphan);
        int watches = google.watchRequests().size();
        long requests = rechecks.requests();
        double found = count(ORPHANS, "outcome", "found");
        double stopped = count(ORPHANS, "outcome", "stopped");

        // the orphan sends (the next change in the calendar): Google's, with the token, so taken, and nothing is asked
        // of Google on the request; found once, however often it sends before it is stopped
        assertThat(notification(orphan, TOKEN, "exists").status()).isEqualTo(200);
        assertThat(notification(orphan, TOKEN, "exists").status()).isEqualTo(200);
        assertThat(rechecks.requests()).isEqualTo(requests + 2);
        assertThat(google.stopRequests()).isEmpty();
        assertThat(count(ORPHANS, "outcome", "found")).isEqualTo(found + 1);
        assertThat(count(ORPHANS, "outcome", "stopped")).isEqualTo(stopped);

        // the next look keeps the channel in place and stops the orphan, with the resource id it sent
        assertThat(renew()).isEqualTo(current);
        assertOnlyStopAskedFor(orphan);
        assertThat(count(ORPHANS, "outcome", "stopped")).isEqualTo(stopped + 1);
        assertThat(google.watchRequests()).hasSize(watches);
        assertThat(notification(orphan, TOKEN, "exists").status()).isEqualTo(404);
        assertThat(notification(current, TOKEN, "exists").status()).isEqualTo(200);
        assertThat(renew()).isEqualTo(current);
        assertThat(google.stopRequests()).hasSize(1);
        assertThat(count(ORPHANS, "outcome", "found")).isEqualTo(found + 1);
        assertThat(count(ORPHANS, "outcome", "stopped")).isEqualTo(stopped + 1);
    }

    @Test
    void aNewChannelsSyncBeforeGoogleAnswersItsWatchIsTakenAndTheChannelKept() throws Exception {
        HeldAnswer watch = google.holdNextWatchAnswer();
        ExecutorService renewal = Executors.newSingleThreadExecutor();
        String id;
        try {
            Future<String> opened = renewal.submit(this::renew);
            watch.awaitArrival(); // Google has the channel; the hub waits for the answer

            // (the fake records a request once it has answered it)
            id = jdbc.sql("SELECT id FROM gcal_push_channel WHERE resource_id IS NULL").query(String.class).single();
            assertThat(notification(id, TOKEN, "sync").status()).isEqualTo(200);
            watch.release();
            assertThat(opened.get(20, TimeUnit.SECONDS)).isEqualTo(id);
            assertThat(google.watchRequests()).singleElement().satisfies(body ->
                    assertThat(body.get("id").asText()).isEqualTo(id));
        } finally {
            watch.release();
            renewal.shutdownNow();
        }

        assertThat(renew()).isEqualTo(id);
        assertThat(google.stopRequests()).isEmpty();
        assertThat(notification(id, TOKEN, "exists").status()).isEqualTo(200);
    }

    /**
     * An instance that gave up the lease while its look's watch call waited for Google (its route's stop waits for
     * the exchange), and the instance that took the lease, whose look opens a channel of its own meanwhile: the older
     * look, answered last, must not stop the newer channel (it stopped every other one, and two such looks could stop
     * each other's, push off until the next look an hour later). Both channels run until the next look stops the older.
     */
    @Test
    void aLookOverlappingAnotherInstancesStopsNotItsNewerChannelAndTheNextLookStopsTheOlder() throws Exception {
        HeldAnswer watch = google.holdNextWatchAnswer();
        ExecutorService losingInstance = Executors.newSingleThreadExecutor();
        String older;
        String newer;
        try {
            Future<String> slowLook = losingInstance.submit(this::renew);
            watch.awaitArrival();
            clock.set(TestClockConfig.NOW.plus(Duration.ofMinutes(1)));

            newer = renew(); // the instance that took the lease: its watch is answered at once
            watch.release();
            older = slowLook.get(20, TimeUnit.SECONDS);
        } finally {
            watch.release();
            losingInstance.shutdownNow();
        }

        assertThat(older).isNotNull().isNotEqualTo(newer);
        assertThat(google.stopRequests()).as("no look stopped the newer channel")
                .noneSatisfy(stop -> assertThat(stop.get("id").asText()).isEqualTo(newer));
        assertThat(notification(newer, TOKEN, "exists").status()).isEqualTo(200);

        assertThat(renew()).isEqualTo(newer);
        assertOnlyStopAskedFor(older);
        assertThat(google.watchRequests()).hasSize(2);
        assertThat(notification(older, TOKEN, "exists").status()).isEqualTo(404);
        assertThat(notification(newer, TOKEN, "exists").status()).isEqualTo(200);
    }

    @Test
    void aWatchNeverAnsweredIsTakenAsFailedARenewIntervalLaterAndStoppedOnceItSends() {
        // an instance that died during its watch call two hours ago, and another instance's call under way
        String dead = pendingChannel(TestClockConfig.NOW.minus(Duration.ofHours(2)));
        String underWay = pendingChannel(TestClockConfig.NOW.minus(Duration.ofMinutes(1)));
        double found = count(ORPHANS, "outcome", "found");
        double stopped = count(ORPHANS, "outcome", "stopped");

        String current = renew();
        assertThat(current).isNotIn(dead, underWay);
        assertThat(notification(dead, TOKEN, "exists").status()).isEqualTo(200);
        assertThat(notification(underWay, TOKEN, "sync").status()).isEqualTo(200);
        assertThat(renew()).isEqualTo(current);

        assertThat(google.stopRequests()).singleElement().satisfies(stop ->
                assertThat(stop.get("id").asText()).isEqualTo(dead));
        // the dead one an orphan, found and stopped; the one under way, whose sync came first, neither
        assertThat(count(ORPHANS, "outcome", "found")).isEqualTo(found + 1);
        assertThat(count(ORPHANS, "outcome", "stopped")).isEqualTo(stopped + 1);
        assertThat(notification(dead, TOKEN, "exists").status()).isEqualTo(404);
        assertThat(notification(underWay, TOKEN, "exists").status()).isEqualTo(200);
        assertThat(notification(current, TOKEN, "exists").status()).isEqualTo(200);
    }

    /**
     * A channel whose replacement Google refuses (its watch request failed) is tried again watch-retry-interval (5
     * minutes) later, the wait doubling with each failure in a row, not a renew-interval (an hour) later: the renewal's
     * timer ticks every watch-retry-interval and looks only when due. Each failure is counted and logged with when it is
     * tried again; once opened, the next look is a renew-interval later. Before, the timer looked every renew-interval
     * (1 h): with no channel at all, an hour without push.
     */
    @Test
    void aWatchGoogleRefusesIsTriedAgainAfterTheWatchRetryIntervalDoublingWhileItFailsNotARenewIntervalLater() {
        String old = renew();
        assertThat(((org.apache.camel.component.timer.TimerEndpoint) context.getRoute(RENEWAL).getEndpoint())
                .getPeriod()).as("the timer's tick").isEqualTo(Duration.ofMinutes(5).toMillis());
        clock.set(TestClockConfig.NOW.plus(Duration.ofDays(7)).minus(Duration.ofHours(12))); // within renew-before
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.WATCH))
                .willReturn(GoogleCalendarFake.error(400, "push.webhookUrlUnauthorized")));
        double failed = count("connectify.gcal.push.channels", "outcome", "failed");
        List<ILoggingEvent> logged = new ArrayList<>();

        tick(logged); // refused: the channel in place kept
        assertThat(google.watchRequests()).hasSize(2);
        ticks(1, logged); // 5 minutes later: refused again
        assertThat(google.watchRequests()).hasSize(3);
        ticks(1, logged);
        assertThat(google.watchRequests()).as("the wait doubled").hasSize(3);
        ticks(1, logged); // 10 minutes after: refused a third time
        assertThat(google.watchRequests()).hasSize(4);
        ticks(3, logged);
        assertThat(google.watchRequests()).hasSize(4);
        google.watchAnswers();
        ticks(1, logged); // 20 minutes after: opened, the old channel stopped
        assertThat(google.watchRequests()).hasSize(5);
        String replacement = google.watchRequests().get(4).get("id").asText();
        assertOnlyStopAskedFor(old);
        assertThat(notification(replacement, TOKEN, "sync").status()).isEqualTo(200);
        ticks(11, logged); // a channel in place: the next look a renew-interval later
        assertThat(google.watchRequests()).hasSize(5);
        assertThat(renew()).isEqualTo(replacement);

        assertThat(count("connectify.gcal.push.channels", "outcome", "failed")).isEqualTo(failed + 3);
        assertThat(logged).filteredOn(line -> line.getLevel() == Level.ERROR)
                .map(ILoggingEvent::getFormattedMessage)
                .satisfiesExactly(
                        line -> assertThat(line).contains("not opened").endsWith("tried again in PT5M"),
                        line -> assertThat(line).contains("not opened").endsWith("tried again in PT10M"),
                        line -> assertThat(line).contains("not opened").endsWith("tried again in PT20M"));
    }

    /**
     * An instance that leads again after another led for a while (its own timer silent, its next look an hour after
     * its last) looks at its first tick: the other may have failed to open a channel. Before, it waited for its old
     * next look, up to a renew-interval without push.
     */
    @Test
    void anInstanceThatLeadsAgainLooksAtItsFirstTickNotAtItsOldNextLook() {
        renew();
        List<ILoggingEvent> logged = new ArrayList<>();
        tick(logged);
        ticks(1, logged); // 5 minutes on: its next look an hour after its last
        int watches = google.watchRequests().size();
        // another instance leads for 15 minutes, this one's timer stopped; that one's watch request failed: no channel
        jdbc.sql("DELETE FROM gcal_push_channel").update();
        clock.advance(Duration.ofMinutes(15));

        tick(logged);

        assertThat(google.watchRequests()).as("looked at once").hasSize(watches + 1);
    }

    /**
     * Two instances, the lease moving between them: this context's renewal, and another instance's (a renewal of its
     * own over the same table and Google). The other opens the channel and leads; this one leads for a few minutes and
     * its watch for the replacement of the expiring channel fails; the lease goes back to the other within two of its
     * ticks (its timer not silent long enough to look at once), whose own next look is an hour after its last. It
     * tries again when the failed one would have, 5 minutes after the failure, and the wait doubles from the failures
     * in the table, whichever instance made them (10 minutes, not 5). Before, each instance kept its own wait: the
     * other looked only at its next look, an hour later, and the replacement was tried again that late.
     */
    @Test
    void aWatchThatFailedOnAnotherInstanceIsTriedAgainAfterTheSharedWaitOnceTheLeaseMovesBack() {
        PushChannelRenewal other = new PushChannelRenewal(gateway, channelRepository, pushProperties,
                calendarProperties, pushMetrics, clock);
        List<ILoggingEvent> logged = new ArrayList<>();
        otherTicks(other, logged); // its first tick: it looks, and opens the channel
        String first = google.watchRequests().get(0).get("id").asText();
        clock.advance(Duration.ofMinutes(5));
        otherTicks(other, logged);
        assertThat(google.watchRequests()).hasSize(1);
        // the lease moves here for a few minutes: the channel is about to expire (granted a week, opened 6.5 days ago
        // and delivering since), and its replacement is refused
        Instant openedBefore = TestClockConfig.NOW.minus(Duration.ofDays(6)).minus(Duration.ofHours(12));
        jdbc.sql("UPDATE gcal_push_channel SET expires_at = :soon, created_at = :opened, first_sync_at = :opened "
                        + "WHERE id = :id").param("id", first)
                .param("soon", TestClockConfig.NOW.plus(Duration.ofHours(12)).atOffset(ZoneOffset.UTC))
                .param("opened", openedBefore.atOffset(ZoneOffset.UTC)).update();
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.WATCH))
                .willReturn(GoogleCalendarFake.error(400, "push.webhookUrlUnauthorized")));
        clock.advance(Duration.ofMinutes(1));
        assertThat(renew()).isEqualTo(first); // refused at 6 minutes: the channel in place kept
        assertThat(google.watchRequests()).hasSize(2);

        clock.advance(Duration.ofMinutes(4)); // the lease back on the other; its tick at 10 minutes
        otherTicks(other, logged);

        assertThat(google.watchRequests()).as("tried again 5 minutes after the failure").hasSize(3);
        assertThat(logged).filteredOn(line -> line.getLevel() == Level.ERROR)
                .map(ILoggingEvent::getFormattedMessage).singleElement().satisfies(line ->
                        assertThat(line).contains("not opened").endsWith("tried again in PT10M"));
        clock.advance(Duration.ofMinutes(5));
        otherTicks(other, logged);
        assertThat(google.watchRequests()).as("the wait doubled").hasSize(3);
        google.watchAnswers();
        clock.advance(Duration.ofMinutes(5));
        otherTicks(other, logged); // 20 minutes: opened, the expiring one stopped
        assertThat(google.watchRequests()).hasSize(4);
        assertOnlyStopAskedFor(first);
        clock.advance(Duration.ofMinutes(5));
        otherTicks(other, logged);
        assertThat(google.watchRequests()).hasSize(4);
    }

    /** A tick of the other instance's renewal timer: a look when due, its lines added to {@code logged}. */
    private void otherTicks(PushChannelRenewal other, List<ILoggingEvent> logged) {
        LogLines.onThisThread(logged, () -> other.due() ? other.renew() : null);
    }

    /**
     * A channel Google opened (its watch answered) that sends nothing, not even the sync Google sends as it opens one,
     * is counted, logged and replaced at the first tick first-sync-within (10 minutes) after its watch; a channel that
     * sent its sync is kept. Before, such a channel was taken as working until it expired (a week; the periodic
     * re-check hid the missing notifications).
     */
    @Test
    void aChannelWhoseFirstSyncDoesNotComeWithinTheBoundIsCountedLoggedAndReplaced() {
        String silent = renew();
        double noSync = count("connectify.gcal.push.channels", "outcome", "no-sync");
        List<ILoggingEvent> logged = new ArrayList<>();
        tick(logged);
        ticks(1, logged); // 5 minutes on: within the bound
        assertThat(google.watchRequests()).hasSize(1);

        ticks(1, logged); // 10 minutes on

        assertThat(google.watchRequests()).as("replaced").hasSize(2);
        String replacement = google.watchRequests().get(1).get("id").asText();
        assertOnlyStopAskedFor(silent);
        assertThat(count("connectify.gcal.push.channels", "outcome", "no-sync")).isEqualTo(noSync + 1);
        assertThat(logged).filteredOn(line -> line.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .singleElement().satisfies(line -> assertThat(line).contains(silent).contains("PT10M")
                        .contains(ADDRESS).doesNotContain(TOKEN));
        // the replacement sends its sync: recorded, and kept from then on
        assertThat(notification(replacement, TOKEN, "sync").status()).isEqualTo(200);
        assertThat(jdbc.sql("SELECT first_sync_at FROM gcal_push_channel WHERE id = :id").param("id", replacement)
                .query(OffsetDateTime.class).single()).isNotNull();
        ticks(4, logged);
        assertThat(google.watchRequests()).hasSize(2);
        assertThat(renew()).isEqualTo(replacement);
        assertThat(count("connectify.gcal.push.channels", "outcome", "no-sync")).isEqualTo(noSync + 1);
    }

    /**
     * Google that cannot reach the address (a wrong public URL, a firewall) does not the next time either: each
     * channel in a row that sent nothing doubles the wait before its replacement is taken as not delivering (10, 20,
     * 40, 80 minutes, then first-sync-within-max, 2 hours), the periodic re-check running meanwhile; a channel that
     * sends starts it over. Before, a watch request, a no-sync and a WARN every 10 minutes for as long as it lasted.
     */
    @Test
    void channelsInARowThatSendNothingAreReplacedAtDoublingWaitsUpToTheMaxAndOneThatSendsStartsItOver() {
        double noSync = count("connectify.gcal.push.channels", "outcome", "no-sync");
        List<ILoggingEvent> logged = new ArrayList<>();
        renew(); // the first channel opened
        tick(logged);
        assertThat(google.watchRequests()).hasSize(1);

        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            waits.add(minutesUntilTheNextWatch(logged));
            if (i == 2) {
                runRecheck(); // the calendar still polled while no channel delivers
            }
        }

        assertThat(waits).as("minutes between the watches").containsExactly(10L, 20L, 40L, 80L, 120L, 120L);
        assertThat(count("connectify.gcal.push.channels", "outcome", "no-sync")).isEqualTo(noSync + 6);
        assertThat(google.stopRequests()).as("each silent channel stopped once replaced").hasSize(6);
        assertThat(logged).filteredOn(line -> line.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .hasSize(6).satisfies(lines -> {
                    assertThat(lines.get(0)).contains("within PT10M").endsWith("the next one given PT20M");
                    assertThat(lines.get(1)).contains("within PT20M").endsWith("the next one given PT40M");
                    assertThat(lines.get(5)).contains("within PT2H").endsWith("the next one given PT2H");
                });

        // Google reaches the hub again: the channel in place sends, and is kept
        String delivering = google.watchRequests().get(6).get("id").asText();
        assertThat(notification(delivering, TOKEN, "sync").status()).isEqualTo(200);
        ticks(30, logged);
        assertThat(google.watchRequests()).hasSize(7);
        // once it is about to expire, its replacement that sends nothing is given first-sync-within again
        clock.set(jdbc.sql("SELECT expires_at FROM gcal_push_channel WHERE id = :id").param("id", delivering)
                .query(OffsetDateTime.class).single().toInstant().minus(Duration.ofHours(12)));
        String silent = renew();
        assertThat(silent).isNotEqualTo(delivering);
        assertThat(minutesUntilTheNextWatch(logged)).as("minutes until the silent replacement is replaced")
                .isEqualTo(10L);
        assertThat(count("connectify.gcal.push.channels", "outcome", "no-sync")).isEqualTo(noSync + 7);
    }

    /**
     * The silent channels in a row are read from the table: an instance that takes the lease over gives the channel
     * in place the wait the other would have (40 minutes after two silent ones), not first-sync-within afresh.
     */
    @Test
    void anInstanceTakingTheLeaseGivesTheSilentChannelTheDoubledWaitReadFromTheTable() {
        List<ILoggingEvent> logged = new ArrayList<>();
        renew();
        tick(logged);
        assertThat(minutesUntilTheNextWatch(logged)).isEqualTo(10L);
        assertThat(minutesUntilTheNextWatch(logged)).isEqualTo(20L);
        PushChannelRenewal other = new PushChannelRenewal(gateway, channelRepository, pushProperties,
                calendarProperties, pushMetrics, clock);
        Instant opened = clock.instant();

        otherTicks(other, logged); // its first tick looks: the channel in place kept
        for (int i = 0; i < 24 && google.watchRequests().size() == 3; i++) {
            clock.advance(Duration.ofMinutes(5));
            otherTicks(other, logged);
        }

        assertThat(google.watchRequests()).hasSize(4);
        assertThat(Duration.between(opened, clock.instant())).isEqualTo(Duration.ofMinutes(40));
    }

    /**
     * Ticks of the renewal's timer, 5 minutes apart, until it asks Google for another channel (at most a day's);
     * answers the minutes it took.
     */
    private long minutesUntilTheNextWatch(List<ILoggingEvent> logged) {
        int watches = google.watchRequests().size();
        Instant from = clock.instant();
        for (int i = 0; i < 288 && google.watchRequests().size() == watches; i++) {
            ticks(1, logged);
        }
        assertThat(google.watchRequests()).hasSize(watches + 1);
        return Duration.between(from, clock.instant()).toMinutes();
    }

    /** {@code count} ticks of the renewal's timer, 5 minutes apart as it ticks, from 5 minutes on. */
    private void ticks(int count, List<ILoggingEvent> logged) {
        for (int i = 0; i < count; i++) {
            clock.advance(Duration.ofMinutes(5));
            tick(logged);
        }
    }

    /** The renewal's timer route fires, on this thread, its lines added to {@code logged}. */
    private void tick(List<ILoggingEvent> logged) {
        Exchange tick = LogLines.onThisThread(logged, () -> TimerRoutes.fire(context, RENEWAL));
        assertThat(tick.getException()).isNull();
    }

    @Test
    void aWrongOrMissingTokenIsUnauthorizedAndStartsNoRecheck() {
        String channel = renew();
        long requests = rechecks.requests();
        double rejected = rejected("bad-token");

        Response wrong = notification(channel, "not-the-token-0123456789", "exists");
        Response missing = notification(channel, null, "exists");

        for (Response response : List.of(wrong, missing)) {
            assertThat(response.status()).isEqualTo(401);
            assertThat(response.header("Content-Type")).startsWith("application/problem+json");
            assertThat(response.json().get("type").asText()).isEqualTo("unauthorized");
            assertThat(response.body()).doesNotContain(TOKEN).doesNotContain("not-the-token");
        }
        assertThat(rechecks.requests()).isEqualTo(requests);
        assertThat(rejected("bad-token")).isEqualTo(rejected + 2);
    }

    /**
     * The channel's token (and id, resource, state) are read from Google's headers alone: a query parameter of that
     * name is no token (a secret in a URL is one proxies log). Before, Camel's binding made the header of it:
     * {@code ?X-Goog-Channel-Token=<token>} with no header was taken and started a re-check.
     */
    @Test
    void aChannelTokenInTheQueryIsNoToken() {
        String channel = renew();
        long requests = rechecks.requests();
        String query = "/webhooks/google-calendar?X-Goog-Channel-Token=" + TOKEN;

        Response queryOnly = notification(query, channel, null, "exists", null);
        Response wrongHeader = notification(query, channel, "not-the-token-0123456789", "exists", null);

        for (Response response : List.of(queryOnly, wrongHeader)) {
            assertThat(response.status()).as(response.body()).isEqualTo(401);
            assertThat(response.json().get("type").asText()).isEqualTo("unauthorized");
        }
        assertThat(rechecks.requests()).isEqualTo(requests);
        // guard: the token in its header, the query naming another, is taken
        assertThat(notification("/webhooks/google-calendar?X-Goog-Channel-Token=x", channel, TOKEN, "exists", null)
                .status()).isEqualTo(200);
    }

    @Test
    void aChannelTheHubDoesNotRunIsNotFound() {
        renew();
        long requests = rechecks.requests();
        double rejected = rejected("unknown-channel");

        Response unknown = notification(UUID.randomUUID().toString(), TOKEN, "exists");

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("type").asText()).isEqualTo("not-found");
        assertThat(rechecks.requests()).isEqualTo(requests);
        assertThat(rejected("unknown-channel")).isEqualTo(rejected + 1);
    }

    /**
     * A notification for a channel the hub does not run (stopped, expired, another's) is audited as the other
     * refusals are, its outcome the reason; before, only a wrong channel token was.
     */
    @Test
    void aNotificationForAChannelTheHubDoesNotRunIsAuditedAsUnknownChannel() {
        renew();

        Response unknown = notification(UUID.randomUUID().toString(), TOKEN, "exists", "audit-unknown-channel-1");

        assertThat(unknown.status()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(jdbc.sql(
                        "SELECT provider, operation, outcome, booking_id FROM integration_audit "
                        + "WHERE correlation_id = 'audit-unknown-channel-1'")
                .query((rs, i) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                        + rs.getString(4)).list())
                .containsExactly("google-calendar webhook unknown-channel null"));
    }

    @Test
    void syncIsAcknowledgedAndStartsARecheckOfWhatChangedWhileNoChannelWasOpen() {
        String channel = renew();
        long requests = rechecks.requests();
        double syncs = count("connectify.gcal.push.notifications", "state", "sync");

        Response sync = notification(channel, TOKEN, "sync");

        assertThat(sync.status()).isEqualTo(200);
        assertThat(sync.json().get("received").asBoolean()).isTrue();
        assertThat(rechecks.requests()).isEqualTo(requests + 1);
        assertThat(count("connectify.gcal.push.notifications", "state", "sync")).isEqualTo(syncs + 1);
    }

    @Test
    void thePeriodicRecheckFollowsAMoveNoNotificationToldOfReadingTheCalendarsListOnly() {
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        // listed at its new time: no read of the event on its own
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson("{\"kind\":\"calendar#events\",\"items\":["
                + GoogleCalendarFake.eventJson(event, "Consultation", "2026-12-02T14:00:00+01:00",
                        "2026-12-02T15:00:00+01:00") + "]}")));
        double completed = count("connectify.gcal.rechecks", "outcome", "completed");

        camel.sendBody("direct:gcal-recheck-bookings-periodic", null);

        await().atMost(Duration.ofSeconds(15)).until(() ->
                count("connectify.gcal.rechecks", "outcome", "completed") == completed + 1);
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText())
                .isEqualTo("2026-12-02T14:00:00+01:00");
        google.server().verify(0, getRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
        google.server().verify(1, getRequestedFor(urlPathEqualTo(EVENTS)));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(smsTexts())
                .filteredOn(text -> text.contains("verschoben")).hasSize(1));
    }

    @Test
    void anEventDraggedToATimeAlreadyPastIsFlaggedNotFollowed() {
        String channel = renew();
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        google.stub(get(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", "2026-11-29T09:00:00+01:00", "2026-11-29T10:00:00+01:00"))));
        double refused = count("connectify.gcal.bookings.moves.refused", "reason", "past");

        assertThat(notification(channel, TOKEN, "exists").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id)
                .json().path("statusReason").asText()).startsWith("calendar event moved in Google Calendar to "
                + "2026-11-29T09:00:00+01:00, a time already past"));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                count("connectify.gcal.bookings.moves.refused", "reason", "past")).isEqualTo(refused + 1));
        assertThat(smsTexts()).noneMatch(text -> text.contains("verschoben"));
        assertThat(attentionOf(id).get("note").asText()).isEqualTo("calendar event moved in Google Calendar to "
                + "2026-11-29T09:00:00+01:00, a time already past: move it back or reschedule through the hub");
    }

    @Test
    void aBookingWhoseEventWasMovedInGoogleFollowsItAndTheCustomerIsTold() {
        String channel = renew();
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        google.stub(get(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"))));
        double moved = count("connectify.gcal.bookings.moved", null, null);

        assertThat(notification(channel, TOKEN, "exists").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var booking = httpGet("/api/v1/bookings/" + id).json();
            assertThat(booking.get("start").asText()).isEqualTo("2026-12-02T14:00:00+01:00");
            assertThat(booking.get("end").asText()).isEqualTo("2026-12-02T15:00:00+01:00");
            assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        });
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(smsTexts())
                .filteredOn(text -> text.contains("verschoben")).singleElement().asString()
                .contains("Ihr Termin wurde auf Mittwoch, 2. Dezember 2026, 14:00 (60 Min.) verschoben"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(count("connectify.gcal.bookings.moved", null, null)).isEqualTo(moved + 1));
        // the booking followed Google: Google is not patched back
        google.server().verify(0, patchRequestedFor(urlPathMatching(EVENTS + "/.*")));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    @Test
    void aRecheckWhileARescheduleWaitsForGooglesAnswerLeavesTheBookingToItAndTheCustomerIsToldOnce() throws Exception {
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        // Google holds the new time as soon as it has the reschedule's PATCH, and lists it so; its answer waits
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventsJson(List.of(
                GoogleCalendarFake.eventJson(event, "Consultation", AFTERNOON, "2026-12-02T14:00:00+01:00"))))));
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", AFTERNOON, "2026-12-02T14:00:00+01:00")).withTransformers(HeldAnswer.NAME)));
        HeldAnswer patched = google.holdNextAnswer();
        double moved = count("connectify.gcal.bookings.moved", null, null);
        ExecutorService customer = Executors.newSingleThreadExecutor();
        try {
            Future<Response> rescheduled = customer.submit(() -> httpPost("/api/v1/bookings/" + id + "/reschedule",
                    "{\"start\":\"" + AFTERNOON + "\"}"));
            patched.awaitArrival();
            clock.advance(Duration.ofSeconds(1)); // the re-check comes a moment later

            runRecheck(); // the event at 13:00 in Google, the booking still at 09:00 in the database

            patched.release();
            Response answer = rescheduled.get(20, TimeUnit.SECONDS);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        } finally {
            patched.release();
            customer.shutdownNow();
        }

        var booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("start").asText()).isEqualTo(AFTERNOON);
        assertThat(booking.path("statusReason").asText()).doesNotStartWith("calendar event");
        // the move was the reschedule's: one notice (an SMS and an email), not a second one from the re-check
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'rescheduled'")
                .param("id", id).query(Integer.class).single()).isEqualTo(2);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(smsTexts())
                .filteredOn(text -> text.contains("verschoben")).hasSize(1));
        assertThat(count("connectify.gcal.bookings.moved", null, null)).isEqualTo(moved);
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));

        // once the move has committed, the next re-check finds the booking where its event is: nothing to do
        runRecheck();
        assertThat(count("connectify.gcal.bookings.moved", null, null)).isEqualTo(moved);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'rescheduled'")
                .param("id", id).query(Integer.class).single()).isEqualTo(2);
    }

    @Test
    void aBookingCancelledPastAMoveLeftUnderWayLongerThanAChangeCanRunStaysCancelledAtItsTime() throws Exception {
        // (here for the 10 s read timeout: Google's answer to the move is held while the customer cancels)
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", AFTERNOON, "2026-12-02T14:00:00+01:00")).withTransformers(HeldAnswer.NAME)));
        google.stub(delete(urlPathEqualTo(EVENTS + "/" + event)).willReturn(noContent()));
        HeldAnswer patched = google.holdNextAnswer();
        ExecutorService customer = Executors.newSingleThreadExecutor();
        Response moved;
        try {
            Future<Response> rescheduled = customer.submit(() -> httpPost("/api/v1/bookings/" + id + "/reschedule",
                    "{\"start\":\"" + AFTERNOON + "\"}"));
            patched.awaitArrival();
            // the move has been under way for longer than EventChangeTimeout (164 s here: two Google calls of 3
            // attempts of 5 s rate limit + 5 s connect + 10 s read, 10 s between, and two 2 s lock timeouts): taken for
            // one whose instance stopped, it no longer holds the cancel off (sooner, the cancel is 409 ask again:
            // CancellationTest)
            clock.advance(Duration.ofSeconds(165));
            Response cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
            assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);

            patched.release();
            moved = rescheduled.get(20, TimeUnit.SECONDS);
        } finally {
            patched.release();
            customer.shutdownNow();
        }

        // the cancel won: the move is refused, the booking keeps the time it was cancelled at, and its deleted event
        // is not patched back
        assertThat(moved.status()).as(moved.body()).isEqualTo(409);
        var booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("REFUNDED");
        assertThat(booking.get("start").asText()).isEqualTo(START);
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'rescheduled'")
                .param("id", id).query(Integer.class).single()).isZero();
    }

    @Test
    void aMovesMarkerIsDatedFromAfterFreeBusySoASlowFreeBusyDoesNotLetACancelTakeItOverDuringThePatch()
            throws Exception {
        // (here for the 10 s read timeout: Google's FreeBusy answer, then its answer to the move, are held)
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", AFTERNOON, "2026-12-02T14:00:00+01:00")).withTransformers(HeldAnswer.NAME)));
        HeldAnswer patched = google.holdNextAnswer();
        HeldAnswer freeBusy = google.holdNextFreeBusyAnswer();
        Instant asked = clock.instant();
        ExecutorService customer = Executors.newSingleThreadExecutor();
        Response moved;
        Response cancelled;
        OffsetDateTime markedSince;
        try {
            Future<Response> rescheduled = customer.submit(() -> httpPost("/api/v1/bookings/" + id + "/reschedule",
                    "{\"start\":\"" + AFTERNOON + "\"}"));
            freeBusy.awaitArrival();
            clock.advance(Duration.ofSeconds(100)); // a slow FreeBusy (retried)
            freeBusy.release();
            patched.awaitArrival();
            markedSince = jdbc.sql("SELECT moving_since FROM booking WHERE id = :id").param("id", id)
                    .query(OffsetDateTime.class).single();

            // 200 s after the reschedule began, 100 s into its move: EventChangeTimeout (164 s here) counts the move's
            // two Google calls only, so the move still holds the cancel off
            clock.advance(Duration.ofSeconds(100));
            cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

            patched.release();
            moved = rescheduled.get(20, TimeUnit.SECONDS);
        } finally {
            freeBusy.release();
            patched.release();
            customer.shutdownNow();
        }

        // the marker is the move's: dated from FreeBusy's answer, not from before FreeBusy was asked
        assertThat(markedSince.toInstant()).isEqualTo(asked.plusSeconds(100));
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(409);
        assertThat(cancelled.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        var booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("start").asText()).isEqualTo(AFTERNOON);
        google.server().verify(0, deleteRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
    }

    @Test
    void aRescheduleWhileACancelWaitsForGooglesDeleteIsAskAgainBeforeGoogleIsAsked() throws Exception {
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", AFTERNOON, "2026-12-02T14:00:00+01:00"))));
        HeldAnswer deleting = holdDeleteOf(event);
        ExecutorService customer = Executors.newSingleThreadExecutor();
        Response moved;
        Response cancelled;
        try {
            Future<Response> cancelling = customer.submit(() -> httpPost("/api/v1/bookings/" + id + "/cancel", ""));
            deleting.awaitArrival();

            // a move now would patch an event being deleted, and could commit its time on the booking being cancelled
            moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"" + AFTERNOON + "\"}");

            deleting.release();
            cancelled = cancelling.get(20, TimeUnit.SECONDS);
        } finally {
            deleting.release();
            customer.shutdownNow();
        }

        assertThat(moved.status()).as(moved.body()).isEqualTo(409);
        assertThat(moved.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(moved.header("Retry-After")).isEqualTo("1");
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        assertThat(cancelled.json().get("start").asText()).isEqualTo(START);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'rescheduled'")
                .param("id", id).query(Integer.class).single()).isZero();
    }

    @Test
    void aRecheckWhileACancelWaitsForGooglesDeleteNeitherFlagsNorComparesTheBooking(CapturedOutput output)
            throws Exception {
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        // another booking, whose event was deleted in Google: the same run flags it
        String deletedInGoogle = confirmedStripeBooking(AFTERNOON);
        // Google has no event of either: the cancelled one's is gone as soon as Google has the DELETE, whose answer
        // waits
        google.stub(get(urlPathMatching(EVENTS + "/[^/]+")).willReturn(GoogleCalendarFake.error(410, "deleted")));
        HeldAnswer deleting = holdDeleteOf(event);
        double missing = count("connectify.gcal.bookings.events.missing", null, null);
        double allMissing = count("connectify.gcal.rechecks", "outcome", "all-missing");
        double failed = count("connectify.gcal.rechecks", "outcome", "failed");
        ExecutorService customer = Executors.newSingleThreadExecutor();
        Response cancelled;
        try {
            Future<Response> cancelling = customer.submit(() -> httpPost("/api/v1/bookings/" + id + "/cancel", ""));
            deleting.awaitArrival();
            clock.advance(Duration.ofSeconds(1)); // the re-check comes a moment later

            runRecheck(); // no event in Google, the booking still CONFIRMED in the database

            var during = httpGet("/api/v1/bookings/" + id).json();
            assertThat(during.get("status").asText()).isEqualTo("CONFIRMED");
            assertThat(during.path("statusReason").asText()).as("not flagged as deleted in Google")
                    .doesNotStartWith("calendar event");
            deleting.release();
            cancelled = cancelling.get(20, TimeUnit.SECONDS);
        } finally {
            deleting.release();
            customer.shutdownNow();
        }

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo("cancelled and refunded");
        // the run left the booking being cancelled alone (its event not asked for), flagged the other one, completed
        google.server().verify(0, getRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
        google.server().verify(1, getRequestedFor(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(
                deletedInGoogle))));
        assertThat(httpGet("/api/v1/bookings/" + deletedInGoogle).json().path("statusReason").asText())
                .startsWith("calendar event deleted in Google Calendar");
        assertThat(count("connectify.gcal.bookings.events.missing", null, null)).isEqualTo(missing + 1);
        assertThat(count("connectify.gcal.rechecks", "outcome", "all-missing")).isEqualTo(allMissing);
        assertThat(count("connectify.gcal.rechecks", "outcome", "failed")).isEqualTo(failed);
        assertThat(output.getAll().lines().filter(line -> line.contains(id) && line.contains("needs a person")))
                .as("no warning asks a person about the booking cancelled").isEmpty();
    }

    @Test
    void aBookingBeingCancelledDoesNotHideThatEveryOtherEventIsMissing() throws Exception {
        // the threshold's three bookings whose events the calendar does not hold, and a fourth being cancelled,
        // whose event Google still lists while it has not answered the DELETE (not compared): still a calendar
        // without the hub's events, not three deletions
        List<String> ids = List.of(confirmedStripeBooking(START), confirmedStripeBooking(AFTERNOON),
                confirmedStripeBooking(LATE_AFTERNOON));
        String cancelling = confirmedStripeBooking("2026-12-03T09:00:00+01:00");
        String event = BookingSaga.eventIdFor(cancelling);
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventsJson(List.of(
                GoogleCalendarFake.eventJson(event, "Consultation", "2026-12-03T09:00:00+01:00",
                        "2026-12-03T10:00:00+01:00"))))));
        HeldAnswer deleting = holdDeleteOf(event);
        ExecutorService customer = Executors.newSingleThreadExecutor();
        Response cancelled;
        try {
            Future<Response> cancel = customer.submit(() -> httpPost("/api/v1/bookings/" + cancelling + "/cancel",
                    ""));
            deleting.awaitArrival();

            recheckFindsAllMissingAndFlagsNone(ids);

            deleting.release();
            cancelled = cancel.get(20, TimeUnit.SECONDS);
        } finally {
            deleting.release();
            customer.shutdownNow();
        }
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
    }

    /** Google's answer to the next DELETE of the event, held until the test releases it. */
    private HeldAnswer holdDeleteOf(String event) {
        google.stub(delete(urlPathEqualTo(EVENTS + "/" + event)).willReturn(noContent()
                .withTransformers(HeldAnswer.NAME)));
        return google.holdNextAnswer();
    }

    @Test
    void aBookingWhoseEventWasDeletedInGoogleIsFlaggedOnceAndStaysConfirmed() {
        String channel = renew();
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        google.stub(get(urlPathEqualTo(EVENTS + "/" + event)).willReturn(GoogleCalendarFake.error(410, "deleted")));
        double missing = count("connectify.gcal.bookings.events.missing", null, null);
        double completed = count("connectify.gcal.rechecks", "outcome", "completed");

        assertThat(notification(channel, TOKEN, "exists").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText()).isEqualTo("calendar event deleted in Google Calendar: restore it "
                + "there (its bin) or cancel through the hub"));
        assertThat(status(id)).isEqualTo("CONFIRMED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                count("connectify.gcal.bookings.events.missing", null, null)).isEqualTo(missing + 1));
        await().atMost(Duration.ofSeconds(15)).until(() ->
                count("connectify.gcal.rechecks", "outcome", "completed") == completed + 1);
        // left for a person: listed and counted, the flag its note
        var marked = attentionOf(id);
        assertThat(marked.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(marked.get("note").asText()).isEqualTo("calendar event deleted in Google Calendar: restore it "
                + "there (its bin) or cancel through the hub");
        assertThat(needingAttentionGauge()).isEqualTo(1);
        clearAttention(id); // so that a mark again shows (a note the booking has already would not show twice)

        // another change: the booking is flagged already, counted once, and not marked again
        assertThat(notification(channel, TOKEN, "exists").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() ->
                count("connectify.gcal.rechecks", "outcome", "completed") == completed + 2);
        assertThat(count("connectify.gcal.bookings.events.missing", null, null)).isEqualTo(missing + 1);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionOrNull(id)).as("not marked again by a later run").isNull();
        assertThat(needingAttentionGauge()).isZero();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        google.server().verify(2, getRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
        assertThat(smsTexts()).noneMatch(text -> text.contains("storniert") || text.contains("verschoben"));
    }

    @Test
    void aMoveOntoAnotherBookingIsLeftForAPerson() {
        String channel = renew();
        String moved = confirmedStripeBooking(START);
        String other = confirmedStripeBooking("2026-12-02T14:00:00+01:00");
        String event = BookingSaga.eventIdFor(moved);
        google.stub(get(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", "2026-12-02T14:30:00+01:00", "2026-12-02T15:30:00+01:00"))));
        String otherEvent = BookingSaga.eventIdFor(other);
        google.stub(get(urlPathEqualTo(EVENTS + "/" + otherEvent)).willReturn(okJson(GoogleCalendarFake.eventJson(
                otherEvent, "Consultation", "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"))));
        double refused = count("connectify.gcal.bookings.moves.refused", "reason", "overlap");

        assertThat(notification(channel, TOKEN, "exists").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + moved)
                .json().path("statusReason").asText()).startsWith("calendar event moved in Google Calendar to "
                + "2026-12-02T14:30:00+01:00, onto another booking"));
        var booking = httpGet("/api/v1/bookings/" + moved).json();
        assertThat(booking.get("start").asText()).isEqualTo(START);
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                count("connectify.gcal.bookings.moves.refused", "reason", "overlap")).isEqualTo(refused + 1));
        assertThat(attentionOf(moved).get("note").asText()).isEqualTo("calendar event moved in Google Calendar to "
                + "2026-12-02T14:30:00+01:00, onto another booking: move it back or reschedule through the hub");
        assertThat(attentionOrNull(other)).isNull();
    }

    /** The flag a booking at START gets from the re-check once its event lasts until 10:30. */
    private static final String LONGER_THAN_BOOKED = "calendar event in Google Calendar now 2026-12-02T09:00:00+01:00 "
            + "to 2026-12-02T10:30:00+01:00, another length than booked: move it back or reschedule through the hub";

    /** Google has the booking's event at START, lasting until 10:30: 30 minutes longer than booked. */
    private void eventLastsLongerThanBooked(String event) {
        google.stub(get(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", START, "2026-12-02T10:30:00+01:00"))));
    }

    /**
     * An event changed in Google to another length (the price is the length's) is not followed: the booking is
     * flagged and marked for a person, the flag its note. Once the event is back at the booking's time the flag goes,
     * the mark stays until a person clears it.
     */
    @Test
    void anEventChangedToAnotherLengthIsFlaggedAndMarkedAndOnceBackLosesItsFlagNotItsMark() {
        String channel = renew();
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        eventLastsLongerThanBooked(event);
        double refused = count("connectify.gcal.bookings.moves.refused", "reason", "length");
        double completed = count("connectify.gcal.rechecks", "outcome", "completed");
        String flag = LONGER_THAN_BOOKED;

        assertThat(notification(channel, TOKEN, "exists").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id)
                .json().path("statusReason").asText()).isEqualTo(flag));
        var booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("start").asText()).isEqualTo(START);
        assertThat(booking.get("end").asText()).isEqualTo("2026-12-02T10:00:00+01:00");
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                count("connectify.gcal.bookings.moves.refused", "reason", "length")).isEqualTo(refused + 1));
        await().atMost(Duration.ofSeconds(15)).until(() ->
                count("connectify.gcal.rechecks", "outcome", "completed") == completed + 1);
        assertThat(smsTexts()).noneMatch(text -> text.contains("verschoben"));
        var marked = attentionOf(id);
        assertThat(marked.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(marked.get("note").asText()).isEqualTo(flag);
        assertThat(needingAttentionGauge()).isEqualTo(1);

        // the event back at the booking's time: the flag goes, the mark stays as it was
        google.stub(get(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", START, "2026-12-02T10:00:00+01:00"))));
        assertThat(notification(channel, TOKEN, "exists").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() ->
                count("connectify.gcal.rechecks", "outcome", "completed") == completed + 2);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText("")).doesNotStartWith(
                "calendar event");
        assertThat(attentionOf(id)).isEqualTo(marked);
        assertThat(needingAttentionGauge()).isEqualTo(1);
        assertThat(count("connectify.gcal.bookings.moves.refused", "reason", "length")).isEqualTo(refused + 1);
        assertThat(smsTexts()).noneMatch(text -> text.contains("verschoben"));
    }

    /**
     * A person does what the flag says, "reschedule through the hub", to the booking's own time: the hub patches the
     * event back to the booking's start and end (one PATCH), tells the customer nothing, and the flag goes, the mark
     * staying for a person to clear. Before, 200 and nothing changed: the event kept its other length and the booking
     * its flag, with no way through the hub to set the calendar right.
     */
    @Test
    void aRescheduleToItsOwnTimeOfABookingFlaggedForItsEventsLengthMovesTheEventBackAndClearsTheFlag() {
        String channel = renew();
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        eventLastsLongerThanBooked(event);
        String flag = LONGER_THAN_BOOKED;
        assertThat(notification(channel, TOKEN, "exists").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id)
                .json().path("statusReason").asText()).isEqualTo(flag));
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "Consultation", START, "2026-12-02T10:00:00+01:00"))));

        var moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"" + START + "\"}");

        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        assertThat(moved.json().get("start").asText()).isEqualTo(START);
        assertThat(moved.json().get("end").asText()).isEqualTo("2026-12-02T10:00:00+01:00");
        assertThat(moved.json().path("statusReason").asText("")).doesNotStartWith("calendar event");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText(""))
                .doesNotStartWith("calendar event");
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
        google.server().verify(patchRequestedFor(urlPathEqualTo(EVENTS + "/" + event)).withRequestBody(
                com.github.tomakehurst.wiremock.client.WireMock.equalToJson("""
                        {"start":{"dateTime":"2026-12-02T09:00:00.000+01:00"},
                         "end":{"dateTime":"2026-12-02T10:00:00.000+01:00"}}""")));
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).doesNotContain("rescheduled");
        assertThat(attentionOf(id).get("note").asText()).as("the mark stays for a person").isEqualTo(flag);
    }

    @ParameterizedTest(name = "HTTP {0}")
    @CsvSource({"404, notFound", "403, forbidden"})
    void aCalendarGoogleNoLongerListsFailsTheRunAndFlagsNoBooking(int status, String reason) {
        // three bookings, two pages: the first page is listed (its events not among them, so each is read: gone),
        // the second page's list is refused, as for a calendar the hub can no longer read
        List<String> ids = List.of(confirmedStripeBooking(START), confirmedStripeBooking(AFTERNOON),
                confirmedStripeBooking(LATE_AFTERNOON));
        google.stub(get(urlPathEqualTo(EVENTS)).inScenario("calendar").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(NO_EVENTS)).willSetStateTo("unreadable"));
        google.stub(get(urlPathEqualTo(EVENTS)).inScenario("calendar").whenScenarioStateIs("unreadable")
                .willReturn(GoogleCalendarFake.error(status, reason)));
        google.stub(get(urlPathMatching(EVENTS + "/[^/]+")).willReturn(GoogleCalendarFake.error(404, "notFound")));
        double failed = count("connectify.gcal.rechecks", "outcome", "failed");
        double completed = count("connectify.gcal.rechecks", "outcome", "completed");
        double missing = count("connectify.gcal.bookings.events.missing", null, null);

        camel.sendBody("direct:gcal-recheck-bookings-periodic", null);

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() ->
                count("connectify.gcal.rechecks", "outcome", "failed") == failed + 1);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() -> !rechecks.busy());
        google.server().verify(2, getRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(ids).allSatisfy(id -> {
            var booking = httpGet("/api/v1/bookings/" + id).json();
            assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
            assertThat(booking.path("statusReason").asText()).doesNotStartWith("calendar event");
        });
        assertThat(count("connectify.gcal.bookings.events.missing", null, null)).isEqualTo(missing);
        assertThat(count("connectify.gcal.rechecks", "outcome", "completed")).isEqualTo(completed);
    }

    /**
     * Google down for a re-check's list of events (503, and the retries too): the run fails, and says so once, in a
     * WARN line that names the run, what failed and when it is tried again; the thread that ran it adds no second
     * line saying the same.
     */
    @Test
    void aRecheckGoogleFailsIsOneWarnLineSayingWhatFailedAndWhenItIsTriedAgain() {
        confirmedStripeBooking(START);
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(503, "backendError")));
        double failed = count("connectify.gcal.rechecks", "outcome", "failed");
        List<ILoggingEvent> logged = new ArrayList<>();
        try (LogLines recheck = LogLines.of(CalendarEventRecheck.class);
             LogLines run = LogLines.of(CoalescingRun.class)) {
            camel.sendBody("direct:gcal-recheck-bookings-periodic", null);

            await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() ->
                    count("connectify.gcal.rechecks", "outcome", "failed") == failed + 1);
            // the thread's line, if any, is logged before the run counts as ended
            await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() -> !rechecks.busy());
            logged.addAll(recheck.lines());
            logged.addAll(run.lines());
        }

        google.server().verify(3, getRequestedFor(urlPathEqualTo(EVENTS))); // the test profile's three attempts
        assertThat(logged).filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN)).singleElement()
                .satisfies(line -> {
                    assertThat(line.getLoggerName()).isEqualTo(CalendarEventRecheck.class.getName());
                    assertThat(line.getLevel()).isEqualTo(Level.WARN);
                    assertThat(line.getFormattedMessage())
                            .startsWith("Re-check of the bookings' calendar events (route gcal-recheck-bookings) "
                                    + "failed after 0 bookings")
                            .contains("provider-error: Google Calendar answered HTTP 503 (backendError)")
                            .contains("by the next notification, or by the periodic re-check within PT24H "
                                    + "(connectify.gcal.push.recheck-interval)");
                    assertThat(line.getThrowableProxy()).isNull();
                });
    }

    @ParameterizedTest(name = "HTTP {0} {1}")
    @CsvSource(delimiter = '|', value = {
            "401 | authError           | refused the hub's credentials | connectify.gcal.key-path",
            "403 | forbidden           | accepted the hub's credentials but refused the call | is shared with the hub's service account",
            "403 | accessNotConfigured | accepted the hub's credentials but refused the call | enable the Google Calendar API"})
    void aListRefusedIsLoggedAsWhatTheRefusalAsksOfAPerson(int status, String reason, String says, String asks,
                                                           CapturedOutput output) {
        confirmedStripeBooking(START);
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(status, reason)));
        double failed = count("connectify.gcal.rechecks", "outcome", "failed");
        int logged = output.getAll().length();

        camel.sendBody("direct:gcal-recheck-bookings-periodic", null);

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() ->
                count("connectify.gcal.rechecks", "outcome", "failed") == failed + 1);
        String log = output.getAll().substring(logged);
        assertThat(log).contains(says).contains(asks)
                .contains("Google Calendar refused to list the events of calendar primary");
        // a 403 is the calendar's sharing or the project, never a key to replace; a 401 never the sharing
        if (status == 403) {
            assertThat(log).doesNotContain("refused the hub's credentials");
        } else {
            assertThat(log).doesNotContain("shared with");
        }
    }

    /**
     * A key Google's token endpoint refuses (revoked or deleted) meets the re-check before any Calendar call: the run
     * fails and flags nothing (its events are no more missing than before), and the log says once what to do, with
     * neither a secret nor a stack trace.
     */
    @Test
    void aRecheckWhoseTokenIsRefusedFailsFlagsNoBookingAndSaysOnceToCheckTheKey(CapturedOutput output) {
        // below the threshold: a run that got through to these 404s would flag both as deleted
        List<String> ids = List.of(confirmedStripeBooking(START), confirmedStripeBooking(AFTERNOON));
        google.stub(get(urlPathMatching(EVENTS + "/[^/]+")).willReturn(GoogleCalendarFake.error(404, "notFound")));
        google.refuseTokens(400, "invalid_grant", "Invalid JWT Signature.");
        double failed = count("connectify.gcal.rechecks", "outcome", "failed");
        double completed = count("connectify.gcal.rechecks", "outcome", "completed");
        double allMissing = count("connectify.gcal.rechecks", "outcome", "all-missing");
        double missing = count("connectify.gcal.bookings.events.missing", null, null);
        int tokenRequests = google.tokenRequests();
        int logged = output.getAll().length();
        List<ILoggingEvent> logs;
        try (LogLines lines = LogLines.all()) {
            camel.sendBody("direct:gcal-recheck-bookings-periodic", null);

            await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() ->
                    count("connectify.gcal.rechecks", "outcome", "failed") == failed + 1);
            await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() -> !rechecks.busy());
            logs = lines.lines();
        }

        assertThat(google.tokenRequests()).isEqualTo(tokenRequests + 1); // refused: not retried
        google.server().verify(0, getRequestedFor(urlPathMatching(EVENTS + ".*")));
        assertThat(ids).allSatisfy(id -> {
            var booking = httpGet("/api/v1/bookings/" + id).json();
            assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
            assertThat(booking.path("statusReason").asText()).doesNotStartWith("calendar event");
        });
        assertThat(count("connectify.gcal.bookings.events.missing", null, null)).isEqualTo(missing);
        assertThat(count("connectify.gcal.rechecks", "outcome", "completed")).isEqualTo(completed);
        assertThat(count("connectify.gcal.rechecks", "outcome", "all-missing")).isEqualTo(allMissing);
        assertThat(logs).filteredOn(line -> line.getLevel() == Level.ERROR).singleElement()
                .satisfies(line -> assertThat(line.getFormattedMessage()).contains("invalid_grant")
                        .contains("check the service account key (connectify.gcal.key-path)"));
        assertThat(logs).allSatisfy(line -> assertThat(line.getThrowableProxy()).as(line.getFormattedMessage())
                .isNull());
        String log = output.getAll().substring(logged);
        assertThat(log).doesNotContain("\tat ").doesNotContain("refused to list the events");
        for (String secret : google.secrets()) {
            assertThat(log).as("the logs").doesNotContain(secret);
        }
    }

    @Test
    void aRunFindingEveryEventMissingFromTheThresholdOnFlagsNoBookingAndSaysSo() {
        // three bookings (the threshold), on two pages, none of whose events the calendar holds: another calendar
        List<String> ids = List.of(confirmedStripeBooking(START), confirmedStripeBooking(AFTERNOON),
                confirmedStripeBooking(LATE_AFTERNOON));

        recheckFindsAllMissingAndFlagsNone(ids);
    }

    @Test
    void aBookingBeingMovedDoesNotHideThatEveryOtherEventIsMissing() {
        // the threshold's three bookings whose events the calendar does not hold, and a fourth whose reschedule is
        // under way (not compared): still a calendar without the hub's events, not three deletions
        List<String> ids = List.of(confirmedStripeBooking(START), confirmedStripeBooking(AFTERNOON),
                confirmedStripeBooking(LATE_AFTERNOON));
        String moving = confirmedStripeBooking("2026-12-03T09:00:00+01:00");
        jdbc.sql("UPDATE booking SET moving_since = :now, move_count = 1 WHERE id = :id")
                .param("now", clock.instant().atOffset(ZoneOffset.UTC)).param("id", moving).update();

        recheckFindsAllMissingAndFlagsNone(ids);
        // the one being moved was not asked about
        google.server().verify(0, getRequestedFor(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(moving))));
    }

    /** Google has none of the bookings' events: a re-check ends all-missing, each event asked once, none flagged. */
    private void recheckFindsAllMissingAndFlagsNone(List<String> ids) {
        google.stub(get(urlPathMatching(EVENTS + "/[^/]+")).willReturn(GoogleCalendarFake.error(404, "notFound")));
        double allMissing = count("connectify.gcal.rechecks", "outcome", "all-missing");
        double completed = count("connectify.gcal.rechecks", "outcome", "completed");
        double missing = count("connectify.gcal.bookings.events.missing", null, null);

        camel.sendBody("direct:gcal-recheck-bookings-periodic", null);

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() ->
                count("connectify.gcal.rechecks", "outcome", "all-missing") == allMissing + 1);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() -> !rechecks.busy());
        for (String id : ids) {
            google.server().verify(1, getRequestedFor(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))));
            assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                    .doesNotStartWith("calendar event");
        }
        assertThat(count("connectify.gcal.bookings.events.missing", null, null)).isEqualTo(missing);
        assertThat(count("connectify.gcal.rechecks", "outcome", "completed")).isEqualTo(completed);
    }

    @Test
    void deletionsBelowTheThresholdAreFlagged() {
        String gone = confirmedStripeBooking(START);
        String deleted = confirmedStripeBooking(AFTERNOON);
        google.stub(get(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(gone)))
                .willReturn(GoogleCalendarFake.error(404, "notFound")));
        google.stub(get(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(deleted)))
                .willReturn(GoogleCalendarFake.error(410, "deleted")));
        double missing = count("connectify.gcal.bookings.events.missing", null, null);

        runRecheck();

        for (String id : List.of(gone, deleted)) {
            assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                    .startsWith("calendar event deleted in Google Calendar");
        }
        assertThat(count("connectify.gcal.bookings.events.missing", null, null)).isEqualTo(missing + 2);
    }

    @Test
    void deletionsAmongEventsStillThereAreFlaggedHoweverMany() {
        String kept = confirmedStripeBooking(START);
        List<String> deleted = List.of(confirmedStripeBooking(AFTERNOON), confirmedStripeBooking(LATE_AFTERNOON));
        String event = BookingSaga.eventIdFor(kept);
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventsJson(List.of(
                GoogleCalendarFake.eventJson(event, "Consultation", START, "2026-12-02T10:00:00+01:00"))))));
        google.stub(get(urlPathMatching(EVENTS + "/[^/]+")).willReturn(GoogleCalendarFake.error(404, "notFound")));
        double missing = count("connectify.gcal.bookings.events.missing", null, null);

        runRecheck();

        assertThat(httpGet("/api/v1/bookings/" + kept).json().path("statusReason").asText())
                .doesNotStartWith("calendar event");
        for (String id : deleted) {
            assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                    .startsWith("calendar event deleted in Google Calendar");
        }
        assertThat(count("connectify.gcal.bookings.events.missing", null, null)).isEqualTo(missing + 2);
    }

    @Test
    void eventsDeletedOneRunAtATimeGoOnBeingFlaggedUntilNoneIsLeft() {
        // three bookings (the threshold): two events deleted, then, after a run, the last one too
        List<String> first = List.of(confirmedStripeBooking(START), confirmedStripeBooking(AFTERNOON));
        String last = confirmedStripeBooking(LATE_AFTERNOON);
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventsJson(List.of(
                GoogleCalendarFake.eventJson(BookingSaga.eventIdFor(last), "Consultation", LATE_AFTERNOON,
                        "2026-12-02T16:30:00+01:00"))))));
        google.stub(get(urlPathMatching(EVENTS + "/[^/]+")).willReturn(GoogleCalendarFake.error(404, "notFound")));
        runRecheck();
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(NO_EVENTS)));
        double missing = count("connectify.gcal.bookings.events.missing", null, null);
        double allMissing = count("connectify.gcal.rechecks", "outcome", "all-missing");

        runRecheck();

        // every event is missing now, but only one of them newly: a person deleting them, not another calendar
        for (String id : List.of(first.get(0), first.get(1), last)) {
            assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                    .startsWith("calendar event deleted in Google Calendar");
        }
        assertThat(count("connectify.gcal.bookings.events.missing", null, null)).isEqualTo(missing + 1);
        assertThat(count("connectify.gcal.rechecks", "outcome", "all-missing")).isEqualTo(allMissing);
    }

    /**
     * A re-check's page holds bookings next to each other in time (by start), so each events.list asks Google for a
     * short span: bookings whose ids run unlike their dates (1, 30, 2 and 31 December), two a page, are listed as 1-2
     * and 30-31 December. Before, pages went by id, and each listed nearly the whole month, recurring events expanded,
     * a few pages' worth of calls each under the rate limit bookings share.
     */
    @Test
    void eachPageOfARecheckListsTheEventsOfBookingsNextToEachOtherInTime() {
        List<String> starts = List.of("2026-12-01T09:00:00+01:00", "2026-12-30T09:00:00+01:00",
                "2026-12-02T09:00:00+01:00", "2026-12-31T09:00:00+01:00");
        List<String> events = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            String id = "2f1c7d0e-0000-4000-8000-00000000010" + i; // ids in the order of the list
            confirmedAt(id, OffsetDateTime.parse(starts.get(i)));
            events.add(GoogleCalendarFake.eventJson(BookingSaga.eventIdFor(id), "Consultation", starts.get(i),
                    Rfc3339.format(OffsetDateTime.parse(starts.get(i)).plusHours(1))));
        }
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventsJson(events))));

        runRecheck();

        List<List<Instant>> listed = google.server().findAll(getRequestedFor(urlPathEqualTo(EVENTS))).stream()
                .map(list -> List.of(Instant.parse(list.queryParameter("timeMin").firstValue()),
                        Instant.parse(list.queryParameter("timeMax").firstValue())))
                .toList();
        assertThat(listed).containsExactly(
                List.of(Instant.parse("2026-12-01T08:00:00Z"), Instant.parse("2026-12-02T09:00:00Z")),
                List.of(Instant.parse("2026-12-30T08:00:00Z"), Instant.parse("2026-12-31T09:00:00Z")));
    }

    /**
     * The bookings' clock is the database's, a {@code SELECT CURRENT_TIMESTAMP} a reading: a re-check read it once per
     * booking compared (and once per page), 1,000 upcoming bookings 1,000 round trips more each re-check. Now once a
     * run: 30 bookings whose events are where they are (15 pages of 2) read it a few times at most.
     */
    @Test
    void aRecheckReadsTheBookingsClockOnceARunNotOnceABooking() {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String id = "2f1c7d0e-0000-4000-8000-0000000002%02d".formatted(i);
            OffsetDateTime start = OffsetDateTime.parse(START).plusDays(i);
            confirmedAt(id, start);
            events.add(GoogleCalendarFake.eventJson(BookingSaga.eventIdFor(id), "Consultation", Rfc3339.format(start),
                    Rfc3339.format(start.plusHours(1))));
        }
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventsJson(events))));
        double completed = count("connectify.gcal.rechecks", "outcome", "completed");
        int[] looked = {0};

        int readings = bookingClock.readingsDuring(() -> looked[0] = recheck.recheck());

        assertThat(looked[0]).isEqualTo(30);
        assertThat(count("connectify.gcal.rechecks", "outcome", "completed")).isEqualTo(completed + 1);
        assertThat(google.server().findAll(getRequestedFor(urlPathEqualTo(EVENTS)))).as("pages listed").hasSize(15);
        assertThat(readings).as("readings of the bookings' clock in one re-check").isLessThanOrEqualTo(2);
    }

    /** A booking confirmed with its calendar event, of id {@code id}, starting at {@code start} for an hour. */
    private void confirmedAt(String id, OffsetDateTime start) {
        jdbc.sql("""
                INSERT INTO booking (id, status, start_at, end_at, duration_minutes, amount, currency, customer_name,
                    customer_email, summary, provider, calendar_event_id, payment_reference, paid_amount, created_at,
                    updated_at)
                VALUES (:id, 'CONFIRMED', :start, :end, 60, 9000, 'CHF', 'John Doe', 'john@example.com',
                    'Consultation', 'stripe', :event, :payment, 9000, :now, :now)""")
                .param("id", id).param("start", start).param("end", start.plusHours(1))
                .param("event", BookingSaga.eventIdFor(id)).param("payment", "pi_" + id.substring(30))
                .param("now", clock.instant().atOffset(ZoneOffset.UTC)).update();
    }

    /** A periodic re-check, awaited until it has completed. */
    private void runRecheck() {
        double completed = count("connectify.gcal.rechecks", "outcome", "completed");
        camel.sendBody("direct:gcal-recheck-bookings-periodic", null);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() ->
                count("connectify.gcal.rechecks", "outcome", "completed") == completed + 1);
    }

    /** A channel's row as a renewal writes it before its watch call, made at {@code at}; answers its id. */
    private String pendingChannel(Instant at) {
        String id = UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO gcal_push_channel (id, calendar_id, address, token_sha256, expires_at, created_at) "
                        + "VALUES (:id, 'primary', :address, :token, :expires, :at)")
                .param("id", id).param("address", ADDRESS).param("token", sha256Hex(TOKEN))
                .param("expires", at.plus(Duration.ofDays(7)).atOffset(java.time.ZoneOffset.UTC))
                .param("at", at.atOffset(java.time.ZoneOffset.UTC)).update();
        return id;
    }

    /** A second channel opened in place of {@code old}, which is stopped at Google and marked stopped. */
    private void assertReplacedAndStopped(String old, String replacement) {
        assertThat(replacement).isNotEqualTo(old);
        assertThat(google.watchRequests()).hasSize(2);
        assertOnlyStopAskedFor(old);
        assertThat(jdbc.sql("SELECT id FROM gcal_push_channel WHERE stopped_at IS NOT NULL").query(String.class)
                .list()).containsExactly(old);
    }

    /** Google asked to stop that channel only, with the resource id its watch answered. */
    private void assertOnlyStopAskedFor(String channel) {
        assertThat(google.stopRequests()).singleElement().satisfies(stop -> {
            assertThat(stop.get("id").asText()).isEqualTo(channel);
            assertThat(stop.get("resourceId").asText()).isEqualTo(GoogleCalendarFake.WATCH_RESOURCE_ID);
        });
    }

    /** Opens or keeps the channel as the singleton route does, once; answers the channel in place. */
    private String renew() {
        return camel.requestBody("direct:gcal-renew-push-channel", null, String.class);
    }

    /** A push notification as Google sends it: headers only, an empty body. */
    private Response notification(String channelId, String token, String state) {
        return notification(channelId, token, state, null);
    }

    /** A notification as Google sends it, with the correlation id {@code correlationId} when not null. */
    private Response notification(String channelId, String token, String state, String correlationId) {
        return notification("/webhooks/google-calendar", channelId, token, state, correlationId);
    }

    private Response notification(String path, String channelId, String token, String state, String correlationId) {
        var request = request(path);
        if (correlationId != null) {
            request.header("X-Correlation-Id", correlationId);
        }
        if (channelId != null) {
            request.header("X-Goog-Channel-ID", channelId);
        }
        request
                .header("X-Goog-Resource-ID", GoogleCalendarFake.WATCH_RESOURCE_ID)
                .header("X-Goog-Resource-URI", "https://www.googleapis.com/calendar/v3/calendars/primary/events")
                .header("X-Goog-Resource-State", state)
                .header("X-Goog-Message-Number", "1")
                .header("X-Goog-Channel-Expiration", "Mon, 07 Dec 2026 07:00:00 GMT");
        if (token != null) {
            request.header("X-Goog-Channel-Token", token);
        }
        return send(request.POST(HttpRequest.BodyPublishers.noBody()), null);
    }

    private static String sha256Hex(String token) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Google Calendar notifications rejected for that reason. */
    private double rejected(String reason) {
        return meters.counter("connectify.webhook.rejected", "provider", "google-calendar", "reason", reason).count();
    }

    private double count(String name, String tag, String value) {
        var search = meters.find(name);
        if (tag != null) {
            search = search.tag(tag, value);
        }
        Counter counter = search.counter();
        return counter == null ? 0 : counter.count();
    }

    private static List<String> smsTexts() {
        return notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                .map(sent -> URLDecoder.decode(sent.getBodyAsString(), StandardCharsets.UTF_8)).toList();
    }
}
