package io.connectify.hub.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.NotificationFakes.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.connectify.hub.payment.IdempotencyKeys;
import io.connectify.hub.support.HeldAnswer;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.TestClockConfig;
import io.connectify.hub.support.TimerRoutes;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Guards of the renewal of Idempotency-Key claims (IdempotencyKeyTest has what it changed for callers): a running
 * request's claim is renewed on the timer and no longer once its request has ended, however it ended; the claim
 * timeout counts from the last renewal; a renewal that fails is one WARN line and changes nothing else.
 */
@HubTest
class IdempotencyClaimRenewalTest extends HubTestBase {

    private static final String RENEWAL = "api-renew-idempotency-claims";
    private static final String SMS_PATH = "/api/v1/notifications/sms";
    private static final String SMS = "{\"to\":\"+41791234567\",\"body\":\"Your appointment\"}";
    private static final String CALLER = IdempotencyKeys.sha256(API_KEY.getBytes(StandardCharsets.UTF_8));
    private static final String TARGET = "POST " + SMS_PATH;
    private static final String FINGERPRINT = IdempotencyKeys.sha256(TARGET.getBytes(StandardCharsets.UTF_8),
            SMS.getBytes(StandardCharsets.UTF_8));

    @Autowired
    IdempotentRequests requests;
    @Autowired
    HttpProperties http;
    @Autowired
    CamelContext camel;
    @Autowired
    DataSource dataSource;

    @Test
    void aRunningClaimIsRenewedOnTheTimerUntilItsRequestEnds() {
        var claim = requests.claim(CALLER, "renewed", TARGET, FINGERPRINT).claim();
        try {
            assertThat(renewedAt("renewed")).isEqualTo(TestClockConfig.NOW);
            assertThat(requests.runningClaims()).isEqualTo(1);

            clock.advance(Duration.ofSeconds(30));
            Instant later = clock.instant();
            await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(5))
                    .until(() -> renewedAt("renewed").equals(later));

            assertThat(requests.answered(CALLER, "renewed", claim, 201, "application/json", null, "{}")).isTrue();
        } finally {
            requests.ended(claim);
        }
        assertThat(requests.runningClaims()).isZero();
        assertThat(jdbc.sql("SELECT created_at FROM api_idempotency WHERE idempotency_key = 'renewed'")
                .query((rs, i) -> rs.getObject(1, OffsetDateTime.class).toInstant()).single())
                .as("the claim's time, from which its answer's lifetime counts").isEqualTo(TestClockConfig.NOW);
    }

    @Test
    void theClaimTimeoutCountsFromTheLastRenewalNotFromTheClaim() {
        // an instance that claimed a key ten minutes ago, renewed it until now, and died
        var deadInstance = new IdempotentRequests(jdbc, clock, http);
        deadInstance.claim(CALLER, "sms-renewed-then-dead", TARGET, FINGERPRINT);
        clock.advance(Duration.ofMinutes(10));
        assertThat(deadInstance.renewRunning()).isEqualTo(1);

        clock.advance(http.idempotencyClaimTimeout());
        var early = postWithKey("sms-renewed-then-dead");
        clock.advance(Duration.ofSeconds(1));
        var late = postWithKey("sms-renewed-then-dead");

        assertThat(early.status()).as("renewed a claim timeout ago: still held").isEqualTo(409);
        assertThat(early.header("Retry-After")).isEqualTo("1");
        assertThat(late.status()).as("taken over: it runs").isEqualTo(201);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    @Test
    void everyWayOutOfARequestEndsTheRenewalOfItsClaim() throws Exception {
        // answered: a final answer kept
        assertThat(postWithKey("sms-answered").status()).isEqualTo(201);
        assertThat(requests.runningClaims()).isZero();

        // released: an answer that is not final (Twilio down: 502)
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).atPriority(1).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "application/json")
                .withBody(NotificationFakes.twilioError(20503, 503))));
        assertThat(postWithKey("sms-released").status()).isEqualTo(502);
        assertThat(requests.runningClaims()).isZero();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM api_idempotency WHERE idempotency_key = 'sms-released'")
                .query(Integer.class).single()).isZero();
        notify.reset();

        // the caller gone while its request runs: the request finishes, keeps its answer, and its claim ends
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.message("SM" + "c".repeat(32)))
                .withTransformers(HeldAnswer.NAME)));
        HeldAnswer twilio = notify.twilioHold();
        twilio.arm();
        try {
            var gone = HttpClient.newHttpClient().sendAsync(request(SMS_PATH).timeout(Duration.ofMillis(200))
                    .header("X-API-Key", API_KEY).header("Content-Type", "application/json")
                    .header(IdempotencyKeyFilter.HEADER, "sms-caller-gone")
                    .POST(HttpRequest.BodyPublishers.ofString(SMS)).build(), HttpResponse.BodyHandlers.ofString());
            twilio.awaitArrival();
            assertThat(requests.runningClaims()).as("renewed while it runs").isEqualTo(1);
            assertThatThrownBy(gone::join).hasCauseInstanceOf(HttpTimeoutException.class);
        } finally {
            twilio.release();
        }
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> requests.runningClaims() == 0);
        var repeat = postWithKey("sms-caller-gone");
        assertThat(repeat.status()).isEqualTo(201);
        assertThat(repeat.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    @Test
    void aRenewalTheDatabaseRefusesIsOneWarnLineAndTheRequestAnswersAsBefore() {
        AtomicBoolean down = new AtomicBoolean();
        var instance = new IdempotentRequests(JdbcClient.create(new DelegatingDataSource(dataSource) {
            @Override
            public Connection getConnection() throws SQLException {
                if (down.get()) {
                    throw new SQLTransientConnectionException("Connection is not available, request timed out");
                }
                return super.getConnection();
            }
        }), clock, http);
        var claim = instance.claim(CALLER, "db-down", TARGET, FINGERPRINT).claim();

        down.set(true);
        List<ILoggingEvent> logged = new ArrayList<>();
        int renewed = LogLines.onThisThread(logged, instance::renewRunning);
        down.set(false);

        assertThat(renewed).isZero();
        assertThat(logged).filteredOn(e -> e.getLevel() == Level.ERROR).isEmpty();
        assertThat(logged).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(line -> {
            assertThat(line.getFormattedMessage()).startsWith(RENEWAL + ": Idempotency-Key claims of 1 running "
                    + "request(s) not renewed (CannotGetJdbcConnectionException, SQLTransientConnectionException)");
            assertThat(line.getThrowableProxy()).as("no stack trace").isNull();
        });
        assertThat(instance.renewRunning()).as("the next renewal does it").isEqualTo(1);
        assertThat(instance.answered(CALLER, "db-down", claim, 201, "application/json", null, "{}")).isTrue();
        instance.ended(claim);
        assertThat(instance.runningClaims()).isZero();
    }

    /**
     * On the database's clock, as the hub runs: a renewal with no request running asks the database nothing (not even
     * its time), so an idle instance neither queries every few seconds nor warns of an outage it has nothing to renew
     * through; with one running, a clock it cannot read is one WARN line, and the next renewal does it.
     */
    @Test
    void withNoRequestRunningARenewalAsksTheDatabaseNothingAndAnUnreadableClockIsOneWarnLine() {
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        AtomicBoolean down = new AtomicBoolean(true);
        JdbcClient jdbc = JdbcClient.create(new DelegatingDataSource(dataSource) {
            @Override
            public Connection getConnection() throws SQLException {
                connections.incrementAndGet();
                if (down.get()) {
                    throw new SQLTransientConnectionException("Connection is not available, request timed out");
                }
                return super.getConnection();
            }
        });
        var instance = new IdempotentRequests(jdbc, new io.connectify.hub.ops.DatabaseClock(jdbc), http);
        List<ILoggingEvent> logged = new ArrayList<>();

        assertThat(LogLines.onThisThread(logged, instance::renewRunning)).isZero();
        assertThat(connections).hasValue(0);
        assertThat(logged).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();

        down.set(false);
        var claim = instance.claim(CALLER, "db-clock-down", TARGET, FINGERPRINT).claim();
        down.set(true);
        assertThat(LogLines.onThisThread(logged, instance::renewRunning)).isZero();
        assertThat(logged).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(line ->
                assertThat(line.getFormattedMessage()).startsWith(RENEWAL + ": Idempotency-Key claims of 1 running "
                        + "request(s) not renewed: the database's time could not be read"));
        down.set(false);
        assertThat(instance.renewRunning()).as("the next renewal does it").isEqualTo(1);
        instance.ended(claim);
    }

    @Test
    void aRenewalMeetingAClaimsRowHeldPastTheLockTimeoutIsOneWarnLineNotAFailedRun() throws Exception {
        var claim = requests.claim(CALLER, "row-held", TARGET, FINGERPRINT).claim();
        try {
            List<ILoggingEvent> logged = new ArrayList<>();
            Exchange run = whileRowsAreHeld("SELECT * FROM api_idempotency WHERE idempotency_key = 'row-held' "
                    + "FOR UPDATE", Map.of(),
                    () -> LogLines.onThisThread(logged, () -> TimerRoutes.fire(camel, RENEWAL)));

            assertThat(run.getException()).isNull();
            assertThat(logged).filteredOn(e -> e.getLevel() == Level.ERROR).isEmpty();
            assertThat(logged).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(line -> {
                assertThat(line.getFormattedMessage()).startsWith(RENEWAL + ": Idempotency-Key claims of 1 running "
                        + "request(s) not renewed").contains("a row held by another transaction past "
                        + "connectify.database.lock-timeout");
                assertThat(line.getThrowableProxy()).as("no stack trace").isNull();
            });
        } finally {
            requests.release(CALLER, "row-held", claim);
            requests.ended(claim);
        }
    }

    @Test
    void aRenewalBatchThatFailsIsOneWarnLineAndTheRoundGoesOnWithTheNextBatch() throws Exception {
        // one claim more than a batch (500): two batches, of the claims in their order
        Map<String, String> keys = new java.util.TreeMap<>();
        for (int i = 0; i <= 500; i++) {
            keys.put(requests.claim(CALLER, "batch-" + i, TARGET, FINGERPRINT).claim(), "batch-" + i);
        }
        List<String> claims = List.copyOf(keys.keySet());
        try {
            List<ILoggingEvent> logged = new ArrayList<>();
            // a row of the first batch held past the lock timeout
            whileRowsAreHeld("SELECT * FROM api_idempotency WHERE claim = :claim FOR UPDATE",
                    Map.of("claim", claims.get(0)), () -> {
                        clock.advance(Duration.ofSeconds(30));
                        Exchange run = LogLines.onThisThread(logged, () -> TimerRoutes.fire(camel, RENEWAL));

                        assertThat(run.getException()).isNull();
                        assertThat(renewedAt(keys.get(claims.get(500))))
                                .as("the next batch renewed, though the first failed").isEqualTo(clock.instant());
                        assertThat(renewedAt(keys.get(claims.get(1)))).as("the failed batch's other claims: next time")
                                .isEqualTo(TestClockConfig.NOW);
                        return run;
                    });
            assertThat(logged).filteredOn(e -> e.getLevel() == Level.ERROR).isEmpty();
            assertThat(logged).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(line -> {
                assertThat(line.getFormattedMessage()).startsWith(RENEWAL + ": Idempotency-Key claims of 500 running "
                        + "request(s) not renewed").contains("a row held by another transaction past "
                        + "connectify.database.lock-timeout");
                assertThat(line.getThrowableProxy()).as("no stack trace").isNull();
            });
        } finally {
            keys.forEach((claim, key) -> {
                requests.release(CALLER, key, claim);
                requests.ended(claim);
            });
        }
    }

    @Test
    void theClaimOfARequestThatHangsIsRenewedForTheMaxAgeAtMostThenARepeatTakesItOver() {
        // an instance whose request hangs (its thread waits for ever): the renewal timer goes on running
        var hanging = new IdempotentRequests(jdbc, clock, http);
        hanging.claim(CALLER, "sms-hangs", TARGET, FINGERPRINT);
        // connectify.http.idempotency-claim-max-age (20m), then a claim timeout (1m) and a renewal more
        Instant until = clock.instant().plus(Duration.ofMinutes(21)).plusSeconds(20);
        List<ILoggingEvent> logged = new ArrayList<>();
        LogLines.onThisThread(logged, () -> {
            while (clock.instant().isBefore(until)) {
                clock.advance(Duration.ofSeconds(20));
                hanging.renewRunning();
            }
            return null;
        });

        assertThat(hanging.runningClaims()).as("no longer renewed").isZero();
        assertThat(logged).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(line -> assertThat(
                line.getFormattedMessage()).startsWith(RENEWAL + ": the Idempotency-Key claim of a request running "
                + "since " + TestClockConfig.NOW + ", longer than PT20M (connectify.http.idempotency-claim-max-age), "
                + "is no longer renewed"));
        var repeat = postWithKey("sms-hangs");
        assertThat(repeat.status()).as("taken over: it runs, where every repeat got 409 for 24 h").isEqualTo(201);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    private Response postWithKey(String key) {
        return send(request(SMS_PATH).header("Content-Type", "application/json").header(IdempotencyKeyFilter.HEADER, key)
                .POST(HttpRequest.BodyPublishers.ofString(SMS)), API_KEY);
    }

    private Instant renewedAt(String key) {
        return jdbc.sql("SELECT renewed_at FROM api_idempotency WHERE idempotency_key = :key").param("key", key)
                .query((rs, i) -> rs.getObject(1, OffsetDateTime.class).toInstant()).single();
    }


}
