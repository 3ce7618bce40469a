package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.send;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Google Calendar v3 and its OAuth token endpoint, in memory, on the sandbox server. It speaks Google's wire
 * format closely enough for the real client: JWT-bearer token exchange (signature checked against the key it
 * generated), bearer tokens, FreeBusy, and event insert/get/list/patch/delete with Google's error shapes.
 */
public class GoogleCalendarSimulator {

    private static final String PREFIX = "/google/";
    private static final String API = PREFIX + "calendar/v3/";
    private static final ObjectMapper JSON = SimulatorHttp.JSON;
    private static final Logger log = LoggerFactory.getLogger(GoogleCalendarSimulator.class);

    private final String baseUrl;
    private final KeyPair keys;
    private final Path keyFile;
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    /** calendar id -> event id -> event JSON */
    private final ConcurrentMap<String, Map<String, ObjectNode>> calendars = new ConcurrentHashMap<>();

    public GoogleCalendarSimulator(SandboxServer server) {
        this.baseUrl = server.baseUrl();
        this.keys = rsaKeys();
        this.keyFile = writeKeyFile();
        server.register(PREFIX, exchange -> {
            try (exchange) {
                handle(exchange);
            } catch (IOException | RuntimeException e) {
                log.warn("Google Calendar simulator failed on {} {}", exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(), e);
                send(exchange, 500, error(500, "backendError", "Simulator failure"));
            }
        });
    }

    public String rootUrl() {
        return baseUrl + PREFIX;
    }

    public Path serviceAccountKeyFile() {
        return keyFile;
    }

    public int eventCount() {
        return calendars.values().stream().mapToInt(Map::size).sum();
    }

    public void reset() {
        calendars.clear();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals(PREFIX + "token") && method.equals("POST")) {
            token(ex);
            return;
        }
        if (!path.startsWith(API)) {
            send(ex, 404, error(404, "notFound", "Not Found"));
            return;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
            send(ex, 401, error(401, "authError", "Invalid Credentials"));
            return;
        }
        String[] parts = path.substring(API.length()).split("/");
        if (parts.length == 1 && parts[0].equals("freeBusy") && method.equals("POST")) {
            freeBusy(ex);
        } else if (parts.length >= 3 && parts[0].equals("calendars") && parts[2].equals("events")) {
            String calendarId = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
            Map<String, ObjectNode> events = calendars.computeIfAbsent(calendarId, c -> new LinkedHashMap<>());
            synchronized (events) {
                if (parts.length == 3) {
                    if (method.equals("POST")) {
                        insert(ex, events);
                    } else if (method.equals("GET")) {
                        list(ex, events);
                    } else {
                        send(ex, 405, error(405, "methodNotAllowed", "Method not allowed"));
                    }
                } else if (parts.length == 4) {
                    event(ex, events, URLDecoder.decode(parts[3], StandardCharsets.UTF_8));
                } else {
                    send(ex, 404, error(404, "notFound", "Not Found"));
                }
            }
        } else {
            send(ex, 404, error(404, "notFound", "Not Found"));
        }
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> form = SimulatorHttp.form(SimulatorHttp.bodyText(ex));
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))
                || !validAssertion(form.get("assertion"))) {
            send(ex, 400, JSON.createObjectNode().put("error", "invalid_grant")
                    .put("error_description", "Invalid JWT Signature."));
            return;
        }
        String token = "sandbox-" + UUID.randomUUID();
        tokens.add(token);
        send(ex, 200, JSON.createObjectNode().put("access_token", token).put("token_type", "Bearer")
                .put("expires_in", 3600));
    }

    private boolean validAssertion(String jwt) {
        if (jwt == null) {
            return false;
        }
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            return false;
        }
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify((RSAPublicKey) keys.getPublic());
            rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return rsa.verify(Base64.getUrlDecoder().decode(parts[2]));
        } catch (Exception e) {
            return false;
        }
    }

    private void freeBusy(HttpExchange ex) throws IOException {
        JsonNode request = JSON.readTree(SimulatorHttp.body(ex));
        Instant min = instant(request.path("timeMin").asText());
        Instant max = instant(request.path("timeMax").asText());
        ObjectNode answer = JSON.createObjectNode().put("kind", "calendar#freeBusy")
                .put("timeMin", min.toString()).put("timeMax", max.toString());
        ObjectNode result = answer.putObject("calendars");
        for (JsonNode item : request.path("items")) {
            String id = item.path("id").asText();
            ArrayNode busy = result.putObject(id).putArray("busy");
            Map<String, ObjectNode> events = calendars.getOrDefault(id, Map.of());
            synchronized (events) {
                events.values().stream()
                        .filter(e -> !"cancelled".equals(e.path("status").asText()))
                        .map(e -> new Instant[] {start(e), end(e)})
                        .filter(r -> r[0].isBefore(max) && r[1].isAfter(min))
                        .sorted(Comparator.comparing(r -> r[0]))
                        .forEach(r -> busy.addObject()
                                .put("start", (r[0].isBefore(min) ? min : r[0]).toString())
                                .put("end", (r[1].isAfter(max) ? max : r[1]).toString()));
            }
        }
        send(ex, 200, answer);
    }

    private void insert(HttpExchange ex, Map<String, ObjectNode> events) throws IOException {
        ObjectNode event = (ObjectNode) JSON.readTree(SimulatorHttp.body(ex));
        String id = event.path("id").asText(null);
        if (id == null) {
            id = UUID.randomUUID().toString().replace("-", "");
        } else if (!id.matches("[a-v0-9]{5,1024}")) {
            send(ex, 400, error(400, "invalid", "Invalid resource id value."));
            return;
        } else if (events.containsKey(id)) {
            send(ex, 409, error(409, "duplicate", "The requested identifier already exists."));
            return;
        }
        if (!validTimes(ex, event)) {
            return;
        }
        String now = Instant.now().toString();
        event.put("id", id).put("kind", "calendar#event").put("status", "confirmed")
                .put("etag", "\"" + System.nanoTime() + "\"").put("created", now).put("updated", now)
                .put("htmlLink", baseUrl + PREFIX + "event?eid=" + id);
        events.put(id, event);
        send(ex, 200, event);
    }

    private void list(HttpExchange ex, Map<String, ObjectNode> events) throws IOException {
        Map<String, String> query = SimulatorHttp.form(ex.getRequestURI().getRawQuery());
        Instant min = query.containsKey("timeMin") ? instant(query.get("timeMin")) : Instant.MIN;
        Instant max = query.containsKey("timeMax") ? instant(query.get("timeMax")) : Instant.MAX;
        ObjectNode answer = JSON.createObjectNode().put("kind", "calendar#events");
        ArrayNode items = answer.putArray("items");
        events.values().stream()
                .filter(e -> !"cancelled".equals(e.path("status").asText()))
                .filter(e -> start(e).isBefore(max) && end(e).isAfter(min))
                .sorted(Comparator.comparing(GoogleCalendarSimulator::start))
                .forEach(items::add);
        send(ex, 200, answer);
    }

    private void event(HttpExchange ex, Map<String, ObjectNode> events, String id) throws IOException {
        ObjectNode event = events.get(id);
        if (event == null || "cancelled".equals(event.path("status").asText())) {
            boolean deleted = event != null;
            send(ex, deleted ? 410 : 404, error(deleted ? 410 : 404, deleted ? "deleted" : "notFound",
                    deleted ? "Resource has been deleted" : "Not Found"));
            return;
        }
        switch (ex.getRequestMethod()) {
            case "GET" -> send(ex, 200, event);
            case "PATCH" -> {
                ObjectNode changes = (ObjectNode) JSON.readTree(SimulatorHttp.body(ex));
                ObjectNode patched = event.deepCopy();
                changes.fieldNames().forEachRemaining(f -> {
                    if (!f.equals("id")) {
                        patched.set(f, changes.get(f));
                    }
                });
                if (validTimes(ex, patched)) {
                    patched.put("updated", Instant.now().toString());
                    events.put(id, patched);
                    send(ex, 200, patched);
                }
            }
            case "DELETE" -> {
                // Google keeps deleted events as cancelled: a second delete answers 410
                event.put("status", "cancelled");
                ex.sendResponseHeaders(204, -1);
            }
            default -> send(ex, 405, error(405, "methodNotAllowed", "Method not allowed"));
        }
    }

    private boolean validTimes(HttpExchange ex, ObjectNode event) throws IOException {
        try {
            if (!end(event).isAfter(start(event))) {
                send(ex, 400, error(400, "timeRangeEmpty", "The specified time range is empty."));
                return false;
            }
            return true;
        } catch (RuntimeException e) {
            send(ex, 400, error(400, "required", "Missing or invalid start/end time."));
            return false;
        }
    }

    private static Instant start(JsonNode event) {
        return instant(event.path("start").path("dateTime").asText());
    }

    private static Instant end(JsonNode event) {
        return instant(event.path("end").path("dateTime").asText());
    }

    private static Instant instant(String rfc3339) {
        return OffsetDateTime.parse(rfc3339).toInstant();
    }

    private static ObjectNode error(int code, String reason, String message) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error").put("code", code).put("message", message);
        error.putArray("errors").addObject().put("domain", "global").put("reason", reason).put("message", message);
        return body;
    }

    private static KeyPair rsaKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A service-account key file like Google's, whose token_uri points at this simulator; owner-only. */
    private Path writeKeyFile() {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Map<String, String> key = new LinkedHashMap<>();
        key.put("type", "service_account");
        key.put("project_id", "connectify-sandbox");
        key.put("private_key_id", UUID.randomUUID().toString().replace("-", ""));
        key.put("private_key", pem);
        key.put("client_email", "connectify-sandbox@connectify-sandbox.iam.gserviceaccount.com");
        key.put("client_id", "100000000000000000000");
        key.put("token_uri", baseUrl + PREFIX + "token");
        try {
            Path file = Files.createTempFile("connectify-sandbox-gcal", ".json",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            file.toFile().deleteOnExit();
            JSON.writeValue(file.toFile(), key);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the sandbox service-account key", e);
        }
    }

}
