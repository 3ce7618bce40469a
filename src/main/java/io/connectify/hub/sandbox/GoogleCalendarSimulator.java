package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.JSON;
import static io.connectify.hub.sandbox.SimulatorHttp.send;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Google Calendar v3 and its OAuth token endpoint, in memory, on the sandbox server under "/google/". It speaks
 * Google's wire format closely enough for the real client: JWT-bearer token exchange (the signature is checked
 * against the key it generated), bearer tokens, FreeBusy, and event insert/get/list/patch/delete with Google's
 * error shapes. Any calendar id is accepted ("primary" included).
 */
public class GoogleCalendarSimulator {

    private static final Logger log = LoggerFactory.getLogger(GoogleCalendarSimulator.class);
    private static final String PREFIX = "/google/";
    private static final String TOKEN = PREFIX + "token";
    private static final String API = PREFIX + "calendar/v3/";
    private static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    private final String baseUrl;
    private final SandboxServiceAccount account;
    private final GoogleCalendarStore store;
    private final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();

    public GoogleCalendarSimulator(SandboxServer server) {
        this.baseUrl = server.baseUrl();
        this.account = new SandboxServiceAccount(baseUrl + TOKEN);
        this.store = new GoogleCalendarStore(baseUrl + PREFIX + "calendar/event?eid=", Clock.systemUTC());
        server.register(PREFIX, "google-calendar", new SandboxFaults.ErrorShape() {
            @Override
            public JsonNode body(int status) {
                return GoogleApiError.of(status).toJson();
            }

            /** Google asks a client it rate-limits to wait: 429 carries Retry-After. */
            @Override
            public Map<String, String> headers(int status) {
                return status == 429 ? Map.of("Retry-After", "1") : Map.of();
            }
        }, this::serve);
    }

    /** The client's root URL ("http://127.0.0.1:PORT/google/"); the service path is "calendar/v3/". */
    public String rootUrl() {
        return baseUrl + PREFIX;
    }

    /**
     * A service-account key file whose token_uri points at this simulator (owner-only, deleted on exit), once its
     * key is made.
     */
    public Path serviceAccountKeyFile() {
        return account.keyFile();
    }

    /** Where {@link #serviceAccountKeyFile()} is, at once; the file holds the key only once that returns. */
    public Path serviceAccountKeyPath() {
        return account.keyPath();
    }

    /** Begins making the service account's key in the background (it is made on first use otherwise). */
    public void prepareServiceAccountKey() {
        account.prepare();
    }

    /** Events on the simulated calendars; deleted ones do not count. */
    public int eventCount() {
        return store.liveEventCount();
    }

    /** Forgets all events. Issued tokens stay valid, so a running hub keeps its session. */
    public void reset() {
        store.clear();
    }

    private void serve(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                route(ex);
            } catch (GoogleApiError e) {
                if (e.code() == 401) {
                    ex.getResponseHeaders().set("WWW-Authenticate",
                            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"");
                }
                send(ex, e.code(), e.toJson());
            } catch (JsonProcessingException e) {
                send(ex, 400, GoogleApiError.badRequest("parseError", "Parse Error").toJson());
            } catch (IOException | RuntimeException e) {
                log.warn("Google Calendar simulator failed on {} {}", ex.getRequestMethod(),
                        ex.getRequestURI().getPath(), e);
                send(ex, 500, new GoogleApiError(500, "backendError", "Backend Error").toJson());
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String method = method(ex);
        if (path.equals(TOKEN) && method.equals("POST")) {
            token(ex);
            return;
        }
        if (!path.startsWith(API)) {
            throw GoogleApiError.notFound();
        }
        authorize(ex);
        List<String> parts = Arrays.stream(path.substring(API.length()).split("/", -1))
                .map(part -> URLDecoder.decode(part, StandardCharsets.UTF_8))
                .toList();
        if (parts.equals(List.of("freeBusy")) && method.equals("POST")) {
            freeBusy(ex);
        } else if (parts.size() == 3 && parts.get(0).equals("calendars") && parts.get(2).equals("events")) {
            events(ex, method, parts.get(1));
        } else if (parts.size() == 4 && parts.get(0).equals("calendars") && parts.get(2).equals("events")) {
            event(ex, method, parts.get(1), parts.get(3));
        } else {
            throw GoogleApiError.notFound();
        }
    }

    /** Google's clients may tunnel PATCH through POST (the JDK transport cannot send PATCH). */
    private static String method(HttpExchange ex) {
        String override = ex.getRequestHeaders().getFirst("X-HTTP-Method-Override");
        return ex.getRequestMethod().equals("POST") && override != null
                ? override.toUpperCase(Locale.ROOT) : ex.getRequestMethod();
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> form = SimulatorHttp.form(SimulatorHttp.bodyText(ex));
        if (!JWT_BEARER.equals(form.get("grant_type"))) {
            send(ex, 400, JSON.createObjectNode().put("error", "unsupported_grant_type")
                    .put("error_description", "Invalid grant_type: " + form.get("grant_type")));
            return;
        }
        if (!account.signedByThisAccount(form.get("assertion"))) {
            send(ex, 400, JSON.createObjectNode().put("error", "invalid_grant")
                    .put("error_description", "Invalid JWT Signature."));
            return;
        }
        String token = "sandbox-" + UUID.randomUUID();
        issuedTokens.add(token);
        // expires_in is required: without it google-auth treats the token as already expired
        send(ex, 200, JSON.createObjectNode().put("access_token", token).put("token_type", "Bearer")
                .put("expires_in", 3600));
    }

    private void authorize(HttpExchange ex) {
        String authorization = ex.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !authorization.startsWith("Bearer ")
                || !issuedTokens.contains(authorization.substring("Bearer ".length()))) {
            throw new GoogleApiError(401, "authError", "Invalid Credentials");
        }
    }

    private void freeBusy(HttpExchange ex) throws IOException {
        JsonNode request = jsonObject(ex);
        Instant min = requiredTime(request, "timeMin");
        Instant max = requiredTime(request, "timeMax");
        if (!max.isAfter(min)) {
            throw GoogleApiError.badRequest("timeRangeEmpty", "The specified time range is empty.");
        }
        ObjectNode answer = JSON.createObjectNode().put("kind", "calendar#freeBusy")
                .put("timeMin", GoogleCalendarStore.RFC3339_MILLIS.format(min))
                .put("timeMax", GoogleCalendarStore.RFC3339_MILLIS.format(max));
        ObjectNode calendars = answer.putObject("calendars");
        for (JsonNode item : request.path("items")) {
            String calendarId = item.path("id").asText();
            ArrayNode busy = calendars.putObject(calendarId).putArray("busy");
            // Instant#toString: RFC 3339 in UTC with "Z", as Google answers
            store.busy(calendarId, min, max).forEach(range -> busy.addObject()
                    .put("start", range.start().toString()).put("end", range.end().toString()));
        }
        send(ex, 200, answer);
    }

    private void events(HttpExchange ex, String method, String calendarId) throws IOException {
        switch (method) {
            case "POST" -> send(ex, 200, store.insert(calendarId, jsonObject(ex)));
            case "GET" -> {
                // singleEvents, orderBy and paging need nothing: there are no recurring events, and one page
                Map<String, String> query = SimulatorHttp.form(ex.getRequestURI().getRawQuery());
                Instant from = queryTime(query, "timeMin", Instant.MIN);
                Instant to = queryTime(query, "timeMax", Instant.MAX);
                ObjectNode answer = JSON.createObjectNode().put("kind", "calendar#events");
                answer.putArray("items").addAll(store.list(calendarId, from, to));
                send(ex, 200, answer);
            }
            default -> throw GoogleApiError.notFound();
        }
    }

    private void event(HttpExchange ex, String method, String calendarId, String eventId) throws IOException {
        switch (method) {
            case "GET" -> send(ex, 200, store.get(calendarId, eventId));
            case "PATCH" -> send(ex, 200, store.patch(calendarId, eventId, jsonObject(ex)));
            case "DELETE" -> {
                store.delete(calendarId, eventId);
                ex.sendResponseHeaders(204, -1);
            }
            default -> throw GoogleApiError.notFound();
        }
    }

    private static ObjectNode jsonObject(HttpExchange ex) throws IOException {
        if (JSON.readTree(SimulatorHttp.body(ex)) instanceof ObjectNode object) {
            return object;
        }
        throw GoogleApiError.badRequest("parseError", "Parse Error");
    }

    private static Instant requiredTime(JsonNode request, String field) {
        if (!request.path(field).isTextual()) {
            throw GoogleApiError.badRequest("required", "Missing " + field + " parameter.");
        }
        return GoogleCalendarStore.rfc3339(request.get(field).asText(), field);
    }

    private static Instant queryTime(Map<String, String> query, String name, Instant absent) {
        String value = query.get(name);
        // an offset's '+' left unencoded in a query string decodes to a space
        return value == null ? absent : GoogleCalendarStore.rfc3339(value.replace(' ', '+'), name);
    }
}
