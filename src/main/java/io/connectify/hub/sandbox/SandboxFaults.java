package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.JSON;
import static io.connectify.hub.sandbox.SimulatorHttp.send;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox's failure switch: {@code POST /sandbox/{provider}/faults} on the sandbox's own loopback server makes
 * that provider's simulator fail its API calls (an HTTP status answered in the provider's own error shape, a call
 * held unanswered until the caller's read timeout, or the connection closed with no answer), for the next
 * {@code count} calls or until {@code DELETE} clears it, so the hub's retries, dead letters, replays, refund sweep and
 * circuit breaker can be rehearsed against the sandbox. Only simulators that run can fail: a live provider has none.
 * The customer's pages ({@code /pay/...}) never fail: they stand for the payer's browser, not the provider's API.
 */
public final class SandboxFaults {

    private static final Logger log = LoggerFactory.getLogger(SandboxFaults.class);
    private static final String PREFIX = "/sandbox/";
    private static final Set<String> MODES = Set.of("status", "timeout", "down");
    private static final Duration DEFAULT_HOLD = Duration.ofSeconds(60);
    private static final Duration MAX_HOLD = Duration.ofMinutes(10);

    /** A provider's error answer to a status it is made to fail with: its body and any headers. */
    public interface ErrorShape {
        JsonNode body(int status);

        /** Headers the provider adds to such an answer (Retry-After where it sends one); none by default. */
        default Map<String, String> headers(int status) {
            return Map.of();
        }
    }

    private final Map<String, ErrorShape> shapes = new ConcurrentHashMap<>();
    private final Map<String, List<Fault>> faults = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    // closes the calls held unanswered later, without holding one of the server's few threads meanwhile
    private final ScheduledExecutorService closer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandbox-faults");
        t.setDaemon(true);
        return t;
    });

    /** One switched-on failure; {@code remaining} -1: until cleared. */
    private record Fault(long id, String mode, int status, String method, String path, Long retryAfter,
                         Duration hold, AtomicInteger remaining) {

        boolean matches(String method, String path) {
            return (this.method == null || this.method.equalsIgnoreCase(method))
                    && (this.path == null || path.startsWith(this.path));
        }

        /** Takes one of its calls: false when it has none left (another thread took the last). */
        boolean take() {
            return remaining.get() < 0 || remaining.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0;
        }

        ObjectNode toJson() {
            ObjectNode node = JSON.createObjectNode().put("id", id).put("mode", mode);
            if (mode.equals("status")) {
                node.put("status", status);
            }
            if (method != null) {
                node.put("method", method);
            }
            if (path != null) {
                node.put("path", path);
            }
            if (retryAfter != null) {
                node.put("retryAfter", retryAfter);
            }
            if (mode.equals("timeout")) {
                node.put("holdSeconds", hold.toSeconds());
            }
            if (remaining.get() >= 0) {
                node.put("remaining", remaining.get());
            }
            return node;
        }
    }

    /** A provider whose simulator answers under {@code /<provider>/...}, which can then be made to fail. */
    void provider(String name, ErrorShape shape) {
        shapes.put(name, shape);
    }

    /**
     * Answers the call with the provider's first matching fault, if one is on: true when it did (the simulator then
     * does nothing). {@code path} is the call's path after the provider's prefix ("/v1/refunds").
     */
    boolean failed(String provider, HttpExchange ex, String path) throws IOException {
        List<Fault> list = faults.get(provider);
        if (list == null || list.isEmpty() || path.startsWith("/pay/")) {
            return false;
        }
        for (Fault fault : list) {
            if (fault.matches(ex.getRequestMethod(), path) && fault.take()) {
                if (fault.remaining().get() == 0) {
                    list.remove(fault);
                }
                answer(provider, fault, ex);
                return true;
            }
        }
        return false;
    }

    private void answer(String provider, Fault fault, HttpExchange ex) throws IOException {
        switch (fault.mode()) {
            case "down" -> ex.close(); // no status line: the caller reads an empty reply
            case "timeout" -> {
                // drained, never answered: the caller's read timeout ends its wait; closed later not to leak it
                ex.getRequestBody().readAllBytes();
                closer.schedule(ex::close, fault.hold().toMillis(), TimeUnit.MILLISECONDS);
            }
            default -> {
                ErrorShape shape = shapes.get(provider);
                shape.headers(fault.status()).forEach(ex.getResponseHeaders()::set);
                if (fault.retryAfter() != null) {
                    ex.getResponseHeaders().set("Retry-After", Long.toString(fault.retryAfter()));
                }
                send(ex, fault.status(), shape.body(fault.status()));
                ex.close();
            }
        }
    }

    /** The control API: {@code GET|POST|DELETE /sandbox/{provider}/faults}. */
    void control(HttpExchange ex) throws IOException {
        try (ex) {
            String[] parts = ex.getRequestURI().getPath().substring(PREFIX.length()).split("/");
            if (parts.length != 2 || !parts[1].equals("faults")) {
                send(ex, 404, problem("Not found: use /sandbox/{provider}/faults"));
                return;
            }
            String provider = parts[0];
            if (!shapes.containsKey(provider)) {
                send(ex, 404, problem("No simulator runs for '" + provider + "' (one of " + shapes.keySet()
                        + "; a live provider has none)"));
                return;
            }
            switch (ex.getRequestMethod()) {
                case "GET" -> send(ex, 200, list(provider));
                case "DELETE" -> {
                    faults.remove(provider);
                    log.info("Sandbox {}: faults cleared", provider);
                    send(ex, 200, list(provider));
                }
                case "POST" -> add(ex, provider);
                default -> {
                    ex.getResponseHeaders().set("Allow", "GET, POST, DELETE");
                    send(ex, 405, problem("Use GET, POST or DELETE"));
                }
            }
        }
    }

    private void add(HttpExchange ex, String provider) throws IOException {
        Fault fault;
        try {
            fault = parse(JSON.readTree(SimulatorHttp.body(ex)));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            send(ex, 400, problem(e instanceof JsonProcessingException ? "The body is no JSON object" : e.getMessage()));
            return;
        }
        faults.computeIfAbsent(provider, key -> new CopyOnWriteArrayList<>()).add(fault);
        log.info("Sandbox {}: fault on {}", provider, fault.toJson());
        send(ex, 201, list(provider));
    }

    private Fault parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("The body is no JSON object");
        }
        String mode = body.path("mode").asText(body.has("status") ? "status" : "");
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException("Give \"status\" (400-599), or \"mode\": \"timeout\" or \"down\"");
        }
        int status = body.path("status").asInt(0);
        if (mode.equals("status") && (status < 400 || status > 599)) {
            throw new IllegalArgumentException("\"status\" is an HTTP error status, 400 to 599");
        }
        int count = body.has("count") ? body.path("count").asInt(0) : -1;
        if (body.has("count") && count < 1) {
            throw new IllegalArgumentException("\"count\" is at least 1 (leave it out: until cleared)");
        }
        Long retryAfter = body.hasNonNull("retryAfter") ? body.path("retryAfter").asLong(-1) : null;
        if (retryAfter != null && retryAfter < 0) {
            throw new IllegalArgumentException("\"retryAfter\" is seconds, 0 or more");
        }
        Duration hold = body.has("holdSeconds") ? Duration.ofSeconds(body.path("holdSeconds").asLong(0))
                : DEFAULT_HOLD;
        if (hold.isZero() || hold.isNegative() || hold.compareTo(MAX_HOLD) > 0) {
            throw new IllegalArgumentException("\"holdSeconds\" is 1 to " + MAX_HOLD.toSeconds());
        }
        String path = body.hasNonNull("path") ? body.path("path").asText() : null;
        if (path != null && !path.startsWith("/")) {
            throw new IllegalArgumentException("\"path\" starts with '/' (the API's path: \"/v1/refunds\")");
        }
        String method = body.hasNonNull("method") ? body.path("method").asText().toUpperCase(Locale.ROOT) : null;
        return new Fault(ids.incrementAndGet(), mode, status, method, path, retryAfter, hold,
                new AtomicInteger(count));
    }

    private ObjectNode list(String provider) {
        ObjectNode body = JSON.createObjectNode().put("provider", provider);
        ArrayNode array = body.putArray("faults");
        faults.getOrDefault(provider, List.of()).forEach(fault -> array.add(fault.toJson()));
        return body;
    }

    private static ObjectNode problem(String detail) {
        return JSON.createObjectNode().put("error", detail);
    }

    void close() {
        closer.shutdownNow();
    }
}
