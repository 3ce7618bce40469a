package io.connectify.hub.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static io.connectify.hub.support.NotificationFakes.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import io.connectify.hub.payment.IdempotencyKeys;
import io.connectify.hub.support.HeldAnswer;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.TestClockConfig;
import io.connectify.hub.support.TimerRoutes;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/** A REST POST sent again with its Idempotency-Key gets the first answer and does its work once. */
@HubTest
class IdempotencyKeyTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";
    private static final String SMS_PATH = "/api/v1/notifications/sms";
    private static final String SMS = "{\"to\":\"+41791234567\",\"body\":\"Your appointment\"}";
    /** connectify.http.idempotency-claim-timeout: how long a claim holds without a renewal (it was 15 minutes). */
    private static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(1);
    /** The route that renews the claims of the requests this instance runs. */
    private static final String RENEWAL = "api-renew-idempotency-claims";

    @Autowired
    IdempotentRequests requests;
    @Autowired
    HttpProperties http;
    @Autowired
    CamelContext camel;
    @Autowired
    MeterRegistry meters;

    /** connectify_retention_purged_total{records="api-idempotency"}: the answers the retention sweep deleted. */
    private double purgedAnswers() {
        return meters.counter("connectify.retention.purged", "records", "api-idempotency").count();
    }

    @Test
    void aBookingRetriedWithItsKeyIsTheSameBookingWithOnePaymentPage() {
        String body = booking(START, 60);

        var first = postWithKey("/api/v1/bookings", body, "order-7", API_KEY);
        var again = postWithKey("/api/v1/bookings", body, "order-7", API_KEY);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(again.status()).isEqualTo(201); // not 409: the slot is taken by this very booking
        assertThat(again.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        assertThat(again.header("Location")).isEqualTo(first.header("Location"));
        assertThat(again.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(again.json().get("paymentUrl").asText()).isEqualTo(first.json().get("paymentUrl").asText());
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(1);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
    }

    @Test
    void theSameKeyWithAnotherRequestIsRefusedAndAnotherCallersKeyIsItsOwn() {
        assertThat(postWithKey("/api/v1/bookings", booking(START, 60), "order-8", API_KEY).status()).isEqualTo(201);

        var otherBody = postWithKey("/api/v1/bookings", booking("2026-12-01T13:00:00+01:00", 60), "order-8", API_KEY);
        var otherPath = postWithKey("/api/v1/bookings/asap", "{\"durationMinutes\":30,\"customer\":{\"name\":\"J\",\"email\":\"j@example.com\"}}", "order-8", API_KEY);
        var otherCaller = postWithKey("/api/v1/bookings", booking("2026-12-01T13:00:00+01:00", 60), "order-8",
                ADMIN_KEY);
        var badKey = postWithKey("/api/v1/bookings", booking("2026-12-02T09:00:00+01:00", 60), "no spaces", API_KEY);

        assertThat(otherBody.status()).isEqualTo(409);
        assertThat(otherBody.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(otherBody.json().get("detail").asText()).contains("other parameters");
        assertThat(otherPath.status()).isEqualTo(409);
        assertThat(otherCaller.status()).as("keys are per caller").isEqualTo(201);
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(2);
    }

    /**
     * A retry library may serialise the body again: the same JSON laid out another way (spaces, member order, a
     * string's escapes, a trailing newline) under the key gets the first answer, the SMS sent once. Before, the raw
     * bytes were compared: 409 "used with other parameters", and the caller never got its answer. A body that says
     * something else is still refused, and one with a member twice is refused, never a 500.
     */
    @Test
    void theSameJsonLaidOutAnotherWayUnderItsKeyGetsTheFirstAnswer() {
        var first = postWithKey(SMS_PATH, "{\"to\":\"+41791234567\",\"body\":\"Your appointment\"}", "sms-relaid",
                API_KEY);
        var relaid = postWithKey(SMS_PATH, "{ \"body\" : \"Your \\u0061ppointment\",\n  \"to\": \"+41791234567\" }\n",
                "sms-relaid", API_KEY);
        var other = postWithKey(SMS_PATH, "{\"body\":\"Your appointment!\",\"to\":\"+41791234567\"}", "sms-relaid",
                API_KEY);
        var twice = postWithKey(SMS_PATH,
                "{\"to\":\"+41791234567\",\"to\":\"+41791234567\",\"body\":\"Your appointment\"}", "sms-relaid",
                API_KEY);

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(relaid.status()).as(relaid.body()).isEqualTo(201);
        assertThat(relaid.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        assertThat(relaid.json().get("providerReference").asText())
                .isEqualTo(first.json().get("providerReference").asText());
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.json().get("detail").asText()).contains("other parameters");
        assertThat(twice.status()).as(twice.body()).isIn(400, 409);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    @Test
    void aRequestLongerThanItsStoredColumnRunsWithItsKeyWhereItWas500() {
        // api_idempotency.target is VARCHAR(2100): the insert's "value too long" was a 500 internal-error
        String longQuery = "/api/v1/bookings?pad=" + "a".repeat(2_200);
        String longId = "/api/v1/bookings/" + "b".repeat(2_200) + "/cancel";

        var first = postWithKey(longQuery, booking(START, 60), "long-1", API_KEY);
        var again = postWithKey(longQuery, booking(START, 60), "long-1", API_KEY);
        var otherQuery = postWithKey(longQuery + "c", booking(START, 60), "long-1", API_KEY);
        var unknown = postWithKey(longId, "", "long-2", API_KEY);

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        assertThat(again.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(otherQuery.status()).as("the whole request tells them apart, not the stored part")
                .isEqualTo(409);
        assertThat(otherQuery.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.json().get("type").asText()).isEqualTo("not-found");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT target FROM api_idempotency WHERE idempotency_key = 'long-1'")
                .query(String.class).single()).hasSize(2_100).startsWith("POST /api/v1/bookings?pad=aaa")
                .endsWith("\u2026");
    }

    /**
     * Errors the web layer answers itself (404 unknown path, 405 wrong method) are written after the filters return:
     * the key kept their status with no body and no type, and replayed that, an empty 405 "replayed" for 24 hours, or
     * refused the corrected request as "other parameters". They are not kept: a repeat runs again.
     */
    @Test
    void anErrorTheWebLayerAnswersIsNotKeptUnderItsKey() {
        var wrongMethod = postWithKey("/api/v1/prices?duration=60", "{}", "mvc-1", API_KEY);
        var wrongMethodAgain = postWithKey("/api/v1/prices?duration=60", "{}", "mvc-1", API_KEY);
        var mistyped = postWithKey("/api/v1/booking", booking(START, 60), "mvc-2", API_KEY);
        var corrected = postWithKey("/api/v1/bookings", booking(START, 60), "mvc-2", API_KEY);
        var notJson = send(request("/api/v1/bookings").header("Content-Type", "text/plain")
                .header(IdempotencyKeyFilter.HEADER, "mvc-3").POST(HttpRequest.BodyPublishers.ofString(
                        booking("2026-12-01T13:00:00+01:00", 60))), API_KEY);
        var asJson = postWithKey("/api/v1/bookings", booking("2026-12-01T13:00:00+01:00", 60), "mvc-3", API_KEY);

        for (var answer : List.of(wrongMethod, wrongMethodAgain)) {
            assertThat(answer.status()).isEqualTo(405);
            assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
            assertThat(answer.json().get("type").asText()).as(answer.body()).isEqualTo("method-not-allowed");
            assertThat(answer.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        }
        assertThat(mistyped.status()).isEqualTo(404);
        assertThat(mistyped.json().get("type").asText()).isEqualTo("not-found");
        assertThat(corrected.status()).as(corrected.body()).isEqualTo(201);
        assertThat(notJson.status()).isEqualTo(415);
        assertThat(notJson.json().get("type").asText()).isEqualTo("unsupported-media-type");
        assertThat(asJson.status()).as(asJson.body()).isEqualTo(201);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM api_idempotency WHERE status IN (404, 405)").query(Integer.class)
                .single()).isZero();
    }

    /** An answer replayed is the first one's UTF-8, whatever charset the request named (its bytes are stored as text). */
    /**
     * The earlier version kept those bare statuses (404, 405, no body, no content type), and its rows stay for the
     * key's lifetime: replayed, the request got an empty answer marked replayed (the same request), or a 409 for "other
     * parameters" (the corrected one). Such a row is now no answer: the request runs, its answer kept in its place.
     */
    @Test
    void aBareErrorTheEarlierVersionKeptIsNoAnswerAndTheRequestRuns() {
        storedAsTheEarlierVersionDid("old-405", "POST /api/v1/prices?duration=60", "{}", 405);
        storedAsTheEarlierVersionDid("old-404", "POST /api/v1/booking", booking(START, 60), 404);

        var wrongMethod = postWithKey("/api/v1/prices?duration=60", "{}", "old-405", API_KEY);
        var corrected = postWithKey("/api/v1/bookings", booking(START, 60), "old-404", API_KEY);
        var correctedAgain = postWithKey("/api/v1/bookings", booking(START, 60), "old-404", API_KEY);

        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(wrongMethod.header("Content-Type")).startsWith("application/problem+json");
        assertThat(wrongMethod.json().get("type").asText()).as(wrongMethod.body()).isEqualTo("method-not-allowed");
        assertThat(corrected.status()).as(corrected.body()).isEqualTo(201);
        assertThat(corrected.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        // the corrected request's answer is the key's now: its repeat gets it again
        assertThat(correctedAgain.status()).isEqualTo(201);
        assertThat(correctedAgain.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        assertThat(correctedAgain.json().get("id").asText()).isEqualTo(corrected.json().get("id").asText());
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM api_idempotency WHERE status IN (404, 405)").query(Integer.class)
                .single()).isZero();
    }

    /** A row of the earlier version's: the bare status of an error the web layer answered, an empty body, no type. */
    private void storedAsTheEarlierVersionDid(String key, String target, String body, int status) {
        jdbc.sql("INSERT INTO api_idempotency (caller, idempotency_key, target, fingerprint, claim, status, content_type, "
                        + "location, body, created_at, renewed_at) VALUES (:caller, :key, :target, :fingerprint, :claim, "
                        + ":status, NULL, NULL, '', :at, :at)")
                .param("caller", IdempotencyKeys.sha256(API_KEY.getBytes(StandardCharsets.UTF_8))).param("key", key)
                .param("target", target).param("fingerprint", IdempotencyKeys.sha256(
                        target.getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8)))
                .param("claim", java.util.UUID.randomUUID().toString()).param("status", status)
                .param("at", clock.instant().minus(Duration.ofMinutes(5)).atOffset(java.time.ZoneOffset.UTC)).update();
    }

    @Test
    void aReplayIsUtf8AsTheFirstAnswer() throws Exception {
        byte[] body = booking(START, 60).replace("John Doe", "Zo\\u00eb \\u0141uk").getBytes(StandardCharsets.US_ASCII);
        HttpClient client = HttpClient.newHttpClient();
        List<HttpResponse<String>> answers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            answers.add(client.send(request("/api/v1/bookings").header("X-API-Key", API_KEY)
                    .header("Content-Type", "application/json; charset=ISO-8859-1")
                    .header(IdempotencyKeyFilter.HEADER, "latin-1").POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
        }

        assertThat(answers.get(0).statusCode()).as(answers.get(0).body()).isEqualTo(201);
        assertThat(answers.get(1).statusCode()).isEqualTo(201);
        assertThat(answers.get(1).headers().firstValue(IdempotencyKeyFilter.REPLAYED)).contains("true");
        for (var answer : answers) {
            assertThat(answer.body()).contains("\"name\":\"Zo\u00eb \u0141uk\"");
        }
    }

    @ParameterizedTest(name = "Twilio {0} -> {1}")
    @CsvSource({"503, 20503, 502", "429, 20429, 429"})
    void anSmsRetriedWithItsKeyIsSentOnceAndAnAnswerThatIsNotFinalIsNotKept(int twilioStatus, int code, int answered) {
        // the hub's three attempts are refused, then Twilio takes the message. A 503 may be an edge's for a message
        // Twilio took: each retry first finds Twilio's Messages list without it (the store's list), then sends again
        notify.storeTwilioMessages();
        for (String state : new String[] {STARTED, "refused once", "refused twice"}) {
            notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("down").whenScenarioStateIs(state)
                    .willReturn(aResponse().withStatus(twilioStatus).withHeader("Content-Type", "application/json")
                            .withBody(NotificationFakes.twilioError(code, twilioStatus)))
                    .willSetStateTo(state.equals(STARTED) ? "refused once" : state.equals("refused once")
                            ? "refused twice" : "up"));
        }
        String sms = "{\"to\":\"+41791234567\",\"body\":\"Your appointment\"}";

        var failed = postWithKey("/api/v1/notifications/sms", sms, "sms-1", API_KEY);
        var retried = postWithKey("/api/v1/notifications/sms", sms, "sms-1", API_KEY);
        var again = postWithKey("/api/v1/notifications/sms", sms, "sms-1", API_KEY);

        assertThat(failed.status()).isEqualTo(answered);
        assertThat(retried.status()).as("not kept: the retry ran").isEqualTo(201);
        assertThat(retried.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        assertThat(again.json().get("providerReference").asText())
                .isEqualTo(retried.json().get("providerReference").asText());
        notify.twilio().verify(4, postRequestedFor(urlPathEqualTo(MESSAGES))); // three refused, one sent
    }

    @Test
    void aStripeRequestCarriesAKeyOfItsCallersOwnToStripe() {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/payment_intents")).willReturn(okJson("""
                {"id":"pi_7500","object":"payment_intent","amount":7500,"currency":"chf",
                 "status":"requires_payment_method","client_secret":"pi_7500_secret_x"}""")));
        String intent = "{\"amount\":7500,\"currency\":\"CHF\"}";

        assertThat(postWithKey("/api/v1/payments/stripe/payment-intents", intent, "order-1", API_KEY).status())
                .isEqualTo(201);
        assertThat(postWithKey("/api/v1/payments/stripe/payment-intents", intent, "order-1", ADMIN_KEY).status())
                .isEqualTo(201);

        var sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/payment_intents")));
        assertThat(sent).hasSize(2);
        String first = sent.get(0).getHeader("Idempotency-Key");
        // two callers' equal keys never meet at Stripe, whose keys are per account, nor match the hub's own
        assertThat(first).matches("api-[0-9a-f]{64}");
        assertThat(sent.get(1).getHeader("Idempotency-Key")).matches("api-[0-9a-f]{64}").isNotEqualTo(first);
    }

    @Test
    void anAnswerIsGivenAgainForItsLifetimeOnly() {
        String body = booking(START, 60);
        assertThat(postWithKey("/api/v1/bookings", body, "order-9", API_KEY).status()).isEqualTo(201);

        clock.advance(Duration.ofHours(25));
        double purged = purgedAnswers();
        // deleted by the retention sweep with the other records, counted (before, a DELETE of its own after the
        // sweep: not counted, skipped by a sweep that failed)
        assertThat(TimerRoutes.fire(camel, "ops-retention-sweep").getException()).isNull();
        assertThat(purgedAnswers() - purged).isEqualTo(1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM api_idempotency").query(Integer.class).single()).isZero();

        var late = postWithKey("/api/v1/bookings", body, "order-9", API_KEY);
        assertThat(late.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(late.status()).as("run again: the slot is now in the past").isEqualTo(422);
        assertThat(late.json().get("type").asText()).isEqualTo("slot-not-bookable");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(1);
        // 25 h on, the hold sweep expires the booking and closes its Checkout Session: waited for here, where it
        // reached a later test's Stripe fake after that test's reset (HostileInputTest failed on the extra request)
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(stripe.server().findAll(
                postRequestedFor(urlPathMatching("/v1/checkout/sessions/[^/]+/expire")))).hasSize(1));
        assertThat(jdbc.sql("SELECT status FROM booking").query(String.class).single()).isEqualTo("EXPIRED");
    }

    @Test
    void aRepeatWhileTheFirstRequestIsStillRunningIsToldToAskAgainAndRunsNothing() throws Exception {
        warmUp();
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(twilioAccepts("SM" + "1".repeat(32))
                .withTransformers(HeldAnswer.NAME)));
        HeldAnswer twilio = notify.twilioHold();
        twilio.arm();
        ExecutorService firstCaller = Executors.newSingleThreadExecutor();
        try {
            Future<Response> first = firstCaller.submit(() -> postWithKey(SMS_PATH, SMS, "sms-busy", API_KEY));
            twilio.awaitArrival(); // the first request holds its key and waits for Twilio's answer

            var meanwhile = postWithKey(SMS_PATH, SMS, "sms-busy", API_KEY);
            twilio.release();
            var firstAnswer = first.get(20, TimeUnit.SECONDS);
            var later = postWithKey(SMS_PATH, SMS, "sms-busy", API_KEY);

            assertThat(meanwhile.status()).isEqualTo(409);
            assertThat(meanwhile.json().get("type").asText()).isEqualTo("invalid-state");
            assertThat(meanwhile.json().get("detail").asText()).contains("still being processed");
            assertThat(meanwhile.header("Retry-After")).isEqualTo("1");
            assertThat(meanwhile.header(IdempotencyKeyFilter.REPLAYED)).isNull();
            assertThat(firstAnswer.status()).isEqualTo(201);
            assertThat(later.status()).isEqualTo(201);
            assertThat(later.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
            assertThat(later.json().get("providerReference").asText())
                    .isEqualTo(firstAnswer.json().get("providerReference").asText());
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        } finally {
            twilio.release();
            firstCaller.shutdownNow();
        }
    }

    @Test
    void aClaimWhoseInstanceDiedIsTakenOverOnceUnrenewedForTheClaimTimeoutAndNotBefore() {
        claimOfADeadInstance("sms-orphan");

        clock.advance(CLAIM_TIMEOUT); // not renewed for as long as a claim holds: not yet taken over
        var early = postWithKey(SMS_PATH, SMS, "sms-orphan", API_KEY);
        assertThat(early.status()).isEqualTo(409);
        assertThat(early.json().get("detail").asText()).contains("still being processed");
        assertThat(early.header("Retry-After")).isEqualTo("1");
        notify.twilio().verify(0, postRequestedFor(urlPathEqualTo(MESSAGES)));

        clock.advance(Duration.ofSeconds(1)); // a caller retrying after the crash waits a minute, not 15
        var late = postWithKey(SMS_PATH, SMS, "sms-orphan", API_KEY);
        var again = postWithKey(SMS_PATH, SMS, "sms-orphan", API_KEY);

        assertThat(late.status()).as("taken over: it runs").isEqualTo(201);
        assertThat(late.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    @Test
    void aRequestStillRunningPastTheClaimTimeoutKeepsItsKeyForItsClaimIsRenewed() throws Exception {
        warmUp();
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(twilioAccepts("SM" + "2".repeat(32))
                .withTransformers(HeldAnswer.NAME)));
        HeldAnswer twilio = notify.twilioHold();
        twilio.arm();
        ExecutorService firstCaller = Executors.newSingleThreadExecutor();
        try {
            Future<Response> first = firstCaller.submit(() -> postWithKey(SMS_PATH, SMS, "sms-long", API_KEY));
            twilio.awaitArrival(); // the first request holds its key and waits for Twilio's answer
            // it has run ten times longer than an unrenewed claim holds, within the longest a claim is renewed
            // (connectify.http.idempotency-claim-max-age, 20 minutes: IdempotencyClaimRenewalTest)
            clock.advance(Duration.ofMinutes(10));
            Instant renewedSince = clock.instant();
            // the instance renews it: called here rather than awaited from its timer, so that the held answer's 1 s
            // (the tests' read timeout) is not spent waiting on a loaded machine (IdempotencyClaimRenewalTest has
            // the timer)
            assertThat(requests.renewRunning()).isEqualTo(1);
            assertThat(renewedAt("sms-long")).isEqualTo(renewedSince);

            var meanwhile = postWithKey(SMS_PATH, SMS, "sms-long", API_KEY);
            twilio.release();
            var firstAnswer = first.get(20, TimeUnit.SECONDS);
            var later = postWithKey(SMS_PATH, SMS, "sms-long", API_KEY);

            assertThat(meanwhile.status()).as("not taken over: %s", meanwhile.body()).isEqualTo(409);
            assertThat(meanwhile.json().get("detail").asText()).contains("still being processed");
            assertThat(meanwhile.header("Retry-After")).isEqualTo("1");
            assertThat(firstAnswer.status()).isEqualTo(201);
            assertThat(later.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
            assertThat(later.json().get("providerReference").asText())
                    .isEqualTo(firstAnswer.json().get("providerReference").asText());
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
            // the answer's lifetime still counts from the claim, not from its last renewal
            assertThat(jdbc.sql("SELECT created_at FROM api_idempotency WHERE idempotency_key = 'sms-long'")
                    .query((rs, i) -> rs.getObject(1, OffsetDateTime.class).toInstant()).single())
                    .isEqualTo(TestClockConfig.NOW);
        } finally {
            twilio.release();
            firstCaller.shutdownNow();
        }
    }

    @Test
    void aKeyWhoseRowIsHeldPastTheLockTimeoutIsToldToAskAgainNotAnInternalError() throws Exception {
        claimOfADeadInstance("sms-held");
        clock.advance(CLAIM_TIMEOUT.plusSeconds(1)); // unrenewed that long: a repeat takes it over
        // another transaction (the retention sweep deleting it, say) holds the key's row
        Response busy = whileRowsAreHeld("SELECT claim FROM api_idempotency WHERE idempotency_key = 'sms-held' "
                + "FOR UPDATE", Map.of(), () -> postWithKey(SMS_PATH, SMS, "sms-held", API_KEY));
        var again = postWithKey(SMS_PATH, SMS, "sms-held", API_KEY);

        assertThat(busy.status()).as(busy.body()).isEqualTo(409);
        assertThat(busy.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(busy.header("Retry-After")).isEqualTo("1");
        assertThat(again.status()).as("taken over once the row is free: it runs").isEqualTo(201);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    /**
     * The claim of a request whose instance died before it answered: made by that instance (an IdempotentRequests of
     * its own on the shared database), never answered, released or renewed again.
     */
    private void claimOfADeadInstance(String key) {
        String target = "POST " + SMS_PATH;
        var deadInstance = new IdempotentRequests(jdbc, clock, http);
        var claim = deadInstance.claim(IdempotencyKeys.sha256(API_KEY.getBytes(StandardCharsets.UTF_8)), key, target,
                IdempotencyKeys.sha256(target.getBytes(StandardCharsets.UTF_8), SMS.getBytes(StandardCharsets.UTF_8)));
        assertThat(claim.claim()).isNotNull();
    }

    /** When the key's claim was last renewed. */
    private Instant renewedAt(String key) {
        return jdbc.sql("SELECT renewed_at FROM api_idempotency WHERE idempotency_key = :key").param("key", key)
                .query((rs, i) -> rs.getObject(1, OffsetDateTime.class).toInstant()).single();
    }

    /**
     * The risk that remains: an instance alive but unable to renew its claims (its renewals stopped here; in
     * production the database unreachable from it, or the instance paused) for longer than the claim timeout lets a
     * repeat run its request a second time. The first one's answer is then not kept, and says so in the log. An SMS's
     * repeat finds the first's send started with no outcome and looks it up at Twilio first: sent again only while
     * Twilio's list does not have it (here, its answer held, it does not yet).
     */
    @Test
    void aRequestWhoseClaimWentUnrenewedAndWasTakenOverDoesNotOverwriteTheAnswerOfTheOneThatTookItOver()
            throws Exception {
        warmUp();
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("two sends").whenScenarioStateIs(STARTED)
                .willReturn(twilioAccepts("SM" + "a".repeat(32)).withTransformers(HeldAnswer.NAME))
                .willSetStateTo("sent once"));
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("two sends").whenScenarioStateIs("sent once")
                .willReturn(twilioAccepts("SM" + "b".repeat(32))));
        // the successor finds the slow request's send started and no outcome: it looks the SMS up first, and Twilio's
        // list, the held one not yet in it, says it has not got it
        notify.twilio().stubFor(get(urlPathEqualTo(MESSAGES))
                .willReturn(aResponse().withTransformers(io.connectify.hub.support.TwilioMessageStore.NAME)));
        HeldAnswer twilio = notify.twilioHold();
        twilio.arm();
        ExecutorService slowCaller = Executors.newSingleThreadExecutor();
        List<ILoggingEvent> logged = new ArrayList<>();
        Logger filterLog = (Logger) LoggerFactory.getLogger(IdempotencyKeyFilter.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        filterLog.addAppender(lines);
        camel.getRouteController().stopRoute(RENEWAL);
        try {
            Future<Response> slow = slowCaller.submit(() -> postWithKey(SMS_PATH, SMS, "sms-slow", API_KEY));
            twilio.awaitArrival();
            // not renewed for longer than the claim timeout: the slow request's claim looks like one of a dead instance
            clock.advance(CLAIM_TIMEOUT.plusSeconds(1));

            var successor = postWithKey(SMS_PATH, SMS, "sms-slow", API_KEY);
            twilio.release();
            var slowAnswer = slow.get(20, TimeUnit.SECONDS);
            var repeat = postWithKey(SMS_PATH, SMS, "sms-slow", API_KEY);
            filterLog.detachAppender(lines);
            logged.addAll(List.copyOf(lines.list));

            assertThat(successor.status()).as("took the stale claim over").isEqualTo(201);
            assertThat(successor.header(IdempotencyKeyFilter.REPLAYED)).isNull();
            assertThat(successor.json().get("providerReference").asText()).isEqualTo("SM" + "b".repeat(32));
            assertThat(slowAnswer.status()).isEqualTo(201);
            assertThat(slowAnswer.json().get("providerReference").asText()).isEqualTo("SM" + "a".repeat(32));
            // the slow request finished last, but its claim is no longer the key's: the successor's answer stays
            assertThat(repeat.status()).isEqualTo(201);
            assertThat(repeat.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
            assertThat(repeat.json().get("providerReference").asText()).isEqualTo("SM" + "b".repeat(32));
            notify.twilio().verify(2, postRequestedFor(urlPathEqualTo(MESSAGES)));
            assertThat(logged).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
                    .satisfies(line -> assertThat(line.getFormattedMessage())
                            .startsWith("The answer to Idempotency-Key request POST " + SMS_PATH + " was not kept")
                            .contains("running the request a second time"));
        } finally {
            filterLog.detachAppender(lines);
            camel.getRouteController().startRoute(RENEWAL);
            twilio.release();
            slowCaller.shutdownNow();
        }
    }

    /**
     * What a test does while Twilio's answer is held, done once before, unheld: an SMS sent, its repeat replayed, and
     * a repeat of a request still running told to ask again. The held answer must come within the tests' 1 s read
     * timeout (later, the hub asks Twilio again, and the test sees a second send), and in a fresh context on a loaded
     * machine these paths' first run can take most of it, or more: a take-over sending its own SMS while the first
     * one's answer was held took 0.7-1.1 s cold (the test failed, three runs of three) against 0.05-0.45 s after this.
     * There even a first SMS, unheld, can outlast the read timeout (502, not kept: sent again with its key), so it is
     * sent until one is answered, and the breaker those timeouts may have opened is reset. Twilio's requests so far
     * are forgotten.
     */
    private void warmUp() {
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(60)).until(() -> {
            resilience.circuitBreaker("twilio").reset();
            return postWithKey(SMS_PATH, SMS, "sms-warm-up", API_KEY).status() == 201;
        });
        assertThat(postWithKey(SMS_PATH, SMS, "sms-warm-up", API_KEY).header(IdempotencyKeyFilter.REPLAYED))
                .isEqualTo("true");
        claimOfADeadInstance("sms-warm-up-running");
        assertThat(postWithKey(SMS_PATH, SMS, "sms-warm-up-running", API_KEY).status()).isEqualTo(409);
        resilience.circuitBreaker("twilio").reset();
        notify.twilio().resetRequests();
    }

    private static ResponseDefinitionBuilder twilioAccepts(String sid) {
        return aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                .withBody(NotificationFakes.message(sid));
    }

    private static String booking(String start, int minutes) {
        return """
                {"start":"%s","durationMinutes":%d,"customer":{"name":"John Doe","email":"john@example.com"}}
                """.formatted(start, minutes);
    }

    /**
     * A key given empty or blank is refused as a malformed one is, and nothing is sent. Before, an empty one was taken
     * as none: the request ran unprotected and its retry sent the SMS again.
     */
    @ParameterizedTest(name = "[{0}]")
    @CsvSource(value = {"''", "'   '", "'a b'", "'256 characters'"}, ignoreLeadingAndTrailingWhitespace = false)
    void aKeyGivenEmptyBlankOrMalformedIsRefusedAndSendsNothing(String key) {
        String malformed = key.equals("256 characters") ? "k".repeat(256) : key; // one too many
        var response = postWithKey(SMS_PATH, SMS, malformed, API_KEY);

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.json().get("detail").asText()).startsWith("Idempotency-Key may hold");
        notify.twilio().verify(0, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    private Response postWithKey(String path, String body, String key, String apiKey) {
        return send(request(path).header("Content-Type", "application/json").header(IdempotencyKeyFilter.HEADER, key)
                .POST(HttpRequest.BodyPublishers.ofString(body)), apiKey);
    }
}
