package io.connectify.hub.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * A WireMock fake of Google's OAuth token endpoint and Calendar v3 API, on loopback. It speaks the real wire
 * protocol, so the hub's production client (token exchange, bearer token, JSON bodies) runs unchanged against it.
 */
public final class GoogleCalendarFake {

    public static final String TOKEN = "ya29.test-access-token";
    /** The OAuth token endpoint, the key file's token_uri. */
    public static final String TOKEN_PATH = "/token";
    public static final String EVENTS = "/calendar/v3/calendars/primary/events";
    public static final String FREEBUSY = "/calendar/v3/freeBusy";
    /** events.watch on the primary calendar, and channels.stop: Google's paths (calendar v3 discovery document). */
    public static final String WATCH = EVENTS + "/watch";
    public static final String STOP_CHANNEL = "/calendar/v3/channels/stop";
    public static final String WATCH_RESOURCE_ID = "ret08u3rv24htgh289g";

    private final InsertGate inserts = new InsertGate();
    private final HeldAnswer held = new HeldAnswer();
    private final HeldAnswer freeBusyHeld = new HeldAnswer("held-freebusy-answer");
    private final ChannelGrant grants = new ChannelGrant();
    private final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
            .extensions(inserts, held, freeBusyHeld, grants));
    private final Path keyFile;

    public GoogleCalendarFake() {
        server.start();
        keyFile = TestKeys.serviceAccountKeyFile(server.baseUrl() + TOKEN_PATH);
        reset();
    }

    public WireMockServer server() {
        return server;
    }

    public String rootUrl() {
        return server.baseUrl() + "/";
    }

    public Path keyFile() {
        return keyFile;
    }

    /** Back to a healthy Google with an empty calendar. */
    public void reset() {
        releaseInserts();
        held.release();
        freeBusyHeld.release();
        grants.atMost = null;
        server.resetAll();
        // a token within google-auth's 3-minute expiry margin: the hub asks for a new one before every call (Google's
        // last an hour), so a test that refuses tokens meets the hub's next call, whatever an earlier test left cached
        server.stubFor(post(urlPathEqualTo(TOKEN_PATH)).willReturn(tokenGranted()));
        busy();
        watchAnswers();
        // anything else: Google's own notFound, JSON as its API answers it (WireMock's bare text/plain 404 would be a
        // proxy's answer to the hub: a passing failure, retried)
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()).atPriority(100).willReturn(error(404, "notFound")));
    }

    private static ResponseDefinitionBuilder tokenGranted() {
        return okJson("{\"access_token\":\"" + TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":60}");
    }

    /**
     * The token endpoint refuses the hub's key as Google does once it is revoked or deleted, or its account disabled
     * (RFC 6749 5.2: 400 {@code invalid_grant} "Invalid JWT Signature." or "Invalid grant: account not found", or
     * 401 {@code invalid_client}); the Calendar API is never reached.
     */
    public void refuseTokens(int status, String error, String description) {
        server.stubFor(post(urlPathEqualTo(TOKEN_PATH)).willReturn(tokenRefusal(status, error, description)));
    }

    /** The token endpoint's refusal of a key (RFC 6749 5.2). */
    public static ResponseDefinitionBuilder tokenRefusal(int status, String error, String description) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json; charset=utf-8")
                .withBody("{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
    }

    /**
     * The next token request is granted, every later one answered so ({@link #tokenRefusal}, a server error): the hub
     * holds a token, which the Calendar API may then refuse (401, a key revoked since) before it expires.
     */
    public void grantTheNextTokenThen(ResponseDefinitionBuilder answer) {
        server.stubFor(post(urlPathEqualTo(TOKEN_PATH)).inScenario("token").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(tokenGranted()).willSetStateTo("answered"));
        server.stubFor(post(urlPathEqualTo(TOKEN_PATH)).inScenario("token").whenScenarioStateIs("answered")
                .willReturn(answer));
    }

    /** The token endpoint answers so (a server error, a fault): it failed, the key was not judged. */
    public void tokenEndpointAnswers(ResponseDefinitionBuilder answer) {
        server.stubFor(post(urlPathEqualTo(TOKEN_PATH)).willReturn(answer));
    }

    /** The token requests received so far. */
    public int tokenRequests() {
        return server.findAll(postRequestedFor(urlPathEqualTo(TOKEN_PATH))).size();
    }

    /**
     * What must never reach a log line or an answer: a piece of the key's private key, the key file's path, the
     * access token the fake issues, and the signature of every signed assertion the token endpoint received so far.
     */
    public List<String> secrets() {
        try {
            String key = java.nio.file.Files.readString(keyFile);
            String privateKey = key.substring(key.indexOf("MII"), key.indexOf("MII") + 40);
            List<String> secrets = new java.util.ArrayList<>(List.of(privateKey, keyFile.toString(), TOKEN));
            for (var request : server.findAll(postRequestedFor(urlPathEqualTo(TOKEN_PATH)))) {
                String assertion = request.getBodyAsString().replaceFirst("^.*assertion=([^&]*).*$", "$1");
                secrets.add(assertion.substring(assertion.lastIndexOf('.') + 1));
            }
            return secrets;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * events.watch answers as Google does: the channel asked for, with the watched resource's id and the expiration
     * Google grants ({@link ChannelGrant}); channels.stop answers 204.
     */
    public void watchAnswers() {
        server.stubFor(post(urlPathEqualTo(WATCH)).willReturn(watchAnswer().withTransformers(ChannelGrant.NAME)));
        server.stubFor(post(urlPathEqualTo(STOP_CHANNEL)).willReturn(aResponse().withStatus(204)));
    }

    /** Google's time, from which a channel's expiration is granted: a test's clock (until then, the system's). */
    public void useClock(Clock clock) {
        grants.clock = clock;
    }

    /** Until {@link #reset}, events.watch grants channels at most {@code life}, whatever they ask (Google may). */
    public void grantChannelsAtMost(Duration life) {
        grants.atMost = life;
    }

    /**
     * The next events.watch answer (as {@link #watchAnswers()}) waits until the hold returned is released: a test
     * acts while the hub waits for Google's answer, its channel's row written and Google's channel open.
     */
    public HeldAnswer holdNextWatchAnswer() {
        server.stubFor(post(urlPathEqualTo(WATCH)).willReturn(watchAnswer()
                .withTransformers(ChannelGrant.NAME, HeldAnswer.NAME)));
        held.arm();
        return held;
    }

    /**
     * The answer to the next request of a stub naming {@link HeldAnswer#NAME} waits until the hold returned is
     * released (an event's PATCH, say).
     */
    public HeldAnswer holdNextAnswer() {
        held.arm();
        return held;
    }

    /** Its body is {@link ChannelGrant}'s. */
    private static ResponseDefinitionBuilder watchAnswer() {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json; charset=UTF-8");
    }

    /**
     * The answer to events.watch: the channel asked for, its life {@code params.ttl} seconds from Google's time (the
     * reference's request body; its default 604800, a week), or less: the {@code expiration} asked, should it come
     * first (the push guide's optional field), or the most a test lets Google grant. Before, the fake echoed the
     * expiration asked and ignored params.ttl.
     */
    private static final class ChannelGrant implements ResponseDefinitionTransformerV2 {

        static final String NAME = "channel-grant";
        private static final Duration GOOGLE_DEFAULT_TTL = Duration.ofSeconds(604800);
        private final com.fasterxml.jackson.databind.ObjectMapper json =
                new com.fasterxml.jackson.databind.ObjectMapper();
        private volatile Clock clock = Clock.systemUTC();
        private volatile Duration atMost;

        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            com.fasterxml.jackson.databind.JsonNode asked;
            try {
                asked = json.readTree(serveEvent.getRequest().getBodyAsString());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            com.fasterxml.jackson.databind.JsonNode ttl = asked.path("params").path("ttl");
            Duration life = ttl.isMissingNode() ? GOOGLE_DEFAULT_TTL : Duration.ofSeconds(Long.parseLong(ttl.asText()));
            Duration most = atMost;
            if (most != null && most.compareTo(life) < 0) {
                life = most;
            }
            Instant expiration = clock.instant().plus(life);
            if (asked.hasNonNull("expiration")) {
                Instant askedExpiration = Instant.ofEpochMilli(Long.parseLong(asked.get("expiration").asText()));
                expiration = askedExpiration.isBefore(expiration) ? askedExpiration : expiration;
            }
            return ResponseDefinitionBuilder.like(serveEvent.getResponseDefinition()).but()
                    .withBody("{\"kind\":\"api#channel\",\"id\":\"" + asked.path("id").asText() + "\","
                            + "\"resourceId\":\"" + WATCH_RESOURCE_ID + "\",\"resourceUri\":"
                            + "\"https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json\","
                            + "\"expiration\":\"" + expiration.toEpochMilli() + "\"}")
                    .build();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }

    /** The bodies of the events.watch requests received, in order. */
    public List<com.fasterxml.jackson.databind.JsonNode> watchRequests() {
        return bodies(WATCH);
    }

    /** The bodies of the channels.stop requests received, in order. */
    public List<com.fasterxml.jackson.databind.JsonNode> stopRequests() {
        return bodies(STOP_CHANNEL);
    }

    private List<com.fasterxml.jackson.databind.JsonNode> bodies(String path) {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(urlPathEqualTo(path)))
                .stream().map(request -> {
                    try {
                        return json.readTree(request.getBodyAsString());
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }

    /** FreeBusy answers these busy ranges for the primary calendar. */
    public void busy(Instant... startEndPairs) {
        StringBuilder ranges = new StringBuilder();
        for (int i = 0; i < startEndPairs.length; i += 2) {
            if (i > 0) {
                ranges.append(',');
            }
            ranges.append("{\"start\":\"").append(startEndPairs[i]).append("\",\"end\":\"")
                    .append(startEndPairs[i + 1]).append("\"}");
        }
        server.stubFor(post(urlPathEqualTo(FREEBUSY)).willReturn(okJson(
                "{\"kind\":\"calendar#freeBusy\",\"timeMin\":\"2026-01-01T00:00:00.000Z\","
                        + "\"timeMax\":\"2026-01-02T00:00:00.000Z\",\"calendars\":{\"primary\":{\"busy\":["
                        + ranges + "]}}}")));
    }

    /**
     * The answer to the next FreeBusy request (an empty calendar) waits until the hold returned is released: a hold of
     * its own, so that an event's PATCH after it can be held too ({@link #holdNextAnswer}).
     */
    public HeldAnswer holdNextFreeBusyAnswer() {
        server.stubFor(post(urlPathEqualTo(FREEBUSY)).willReturn(okJson(
                "{\"kind\":\"calendar#freeBusy\",\"timeMin\":\"2026-01-01T00:00:00.000Z\","
                        + "\"timeMax\":\"2026-01-02T00:00:00.000Z\",\"calendars\":{\"primary\":{\"busy\":[]}}}")
                .withTransformers(freeBusyHeld.getName())));
        freeBusyHeld.arm();
        return freeBusyHeld;
    }

    /**
     * FreeBusy answers 200 but reports, as Google does inside that answer, that the calendar could not be read:
     * {@code notFound} (no longer shared with the service account), {@code backendError} (passing).
     */
    public void freeBusyCalendarError(String reason) {
        server.stubFor(post(urlPathEqualTo(FREEBUSY)).willReturn(okJson(
                "{\"kind\":\"calendar#freeBusy\",\"timeMin\":\"2026-01-01T00:00:00.000Z\","
                        + "\"timeMax\":\"2026-01-02T00:00:00.000Z\",\"calendars\":{\"primary\":{\"errors\":["
                        + "{\"domain\":\"global\",\"reason\":\"" + reason + "\"}],\"busy\":[]}}}")));
    }

    public void stub(MappingBuilder mapping) {
        server.stubFor(mapping);
    }

    /** From now on the answers to event inserts wait (up to 10 s) until {@link #releaseInserts()}. */
    public void holdInserts() {
        inserts.close();
    }

    public void releaseInserts() {
        inserts.open();
    }

    /** Event inserts whose answer has waited at the gate, so far. */
    public int heldInserts() {
        return inserts.held.get();
    }

    /** Holds the answers to event inserts while closed: a test acts while the hub waits for Google's answer. */
    private static final class InsertGate implements ServeEventListener {

        private final AtomicInteger held = new AtomicInteger();
        private volatile CountDownLatch open = new CountDownLatch(0);

        void close() {
            held.set(0);
            CountDownLatch previous = open;
            open = new CountDownLatch(1);
            previous.countDown(); // nothing waits at a gate closed twice
        }

        void open() {
            open.countDown();
        }

        @Override
        public void beforeResponseSent(ServeEvent event, Parameters parameters) {
            String url = event.getRequest().getUrl();
            CountDownLatch gate = open;
            if (RequestMethod.POST.equals(event.getRequest().getMethod()) && url.split("\\?")[0].equals(EVENTS)
                    && gate.getCount() > 0) {
                held.incrementAndGet();
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public boolean applyGlobally() {
            return true;
        }

        @Override
        public String getName() {
            return "insert-gate";
        }
    }

    /** Google's JSON error body for a status and reason. */
    public static ResponseDefinitionBuilder error(int status, String reason) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json; charset=UTF-8")
                .withBody("{\"error\":{\"code\":" + status + ",\"message\":\"" + reason + "\",\"errors\":[{\"domain\":"
                        + "\"global\",\"reason\":\"" + reason + "\",\"message\":\"" + reason + "\"}]}}");
    }

    public static String eventJson(String id, String summary, String start, String end) {
        return "{\"kind\":\"calendar#event\",\"id\":\"" + id + "\",\"status\":\"confirmed\",\"summary\":\"" + summary
                + "\",\"start\":{\"dateTime\":\"" + start + "\"},\"end\":{\"dateTime\":\"" + end + "\"}}";
    }

    public static String eventsJson(List<String> events) {
        return "{\"kind\":\"calendar#events\",\"items\":[" + events.stream().collect(Collectors.joining(",")) + "]}";
    }

    public static MappingBuilder authorized(MappingBuilder mapping) {
        return mapping.withHeader("Authorization", equalTo("Bearer " + TOKEN));
    }
}
