package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.JSON;
import static io.connectify.hub.sandbox.SimulatorHttp.send;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Twilio SendGrid's v3 mail/send: Bearer auth, JSON mail, 202 with an X-Message-Id; every mail to the outbox. */
public class SendGridSimulator {

    public static final String API_KEY = "SG.sandbox-key";
    private static final Logger log = LoggerFactory.getLogger(SendGridSimulator.class);

    private final String base;
    private final List<Map<String, String>> outbox = new CopyOnWriteArrayList<>();

    public SendGridSimulator(SandboxServer server, Outbox outboxes) {
        this.base = server.baseUrl() + "/sendgrid";
        server.register("/sendgrid/", "sendgrid", new SandboxFaults.ErrorShape() {
            @Override
            public JsonNode body(int status) {
                return errors(status == 429 ? "too many requests" : status >= 500 ? "internal error"
                        : status == 401 ? "The provided authorization grant is invalid, expired, or revoked"
                        : "bad request");
            }

            /** SendGrid's rate-limit headers: the limit, none left, and when it resets (epoch seconds). */
            @Override
            public Map<String, String> headers(int status) {
                return status != 429 ? Map.of() : Map.of("X-RateLimit-Limit", "600", "X-RateLimit-Remaining", "0",
                        "X-RateLimit-Reset", Long.toString(java.time.Instant.now().getEpochSecond() + 1));
            }
        }, exchange -> {
            try (exchange) {
                handle(exchange);
            } catch (IOException | RuntimeException e) {
                log.warn("SendGrid simulator failed on {}", exchange.getRequestURI().getPath(), e);
                send(exchange, 500, errors("Simulator failure"));
            }
        });
        outboxes.register("email", outbox);
    }

    public String apiBase() {
        return base + "/";
    }

    private void handle(HttpExchange ex) throws IOException {
        if (!("Bearer " + API_KEY).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            send(ex, 401, errors("The provided authorization grant is invalid, expired, or revoked"));
            return;
        }
        if (!ex.getRequestMethod().equals("POST") || !ex.getRequestURI().getPath().equals("/sendgrid/v3/mail/send")) {
            send(ex, 404, errors("Not found"));
            return;
        }
        JsonNode mail = JSON.readTree(SimulatorHttp.body(ex));
        JsonNode content = mail.path("content").path(0);
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 22);
        outbox.add(Map.of("messageId", id, "to", mail.path("personalizations").path(0).path("to").path(0).path("email").asText(),
                "from", mail.path("from").path("email").asText(), "subject", mail.path("subject").asText(),
                "type", content.path("type").asText(), "body", content.path("value").asText()));
        ex.getResponseHeaders().set("X-Message-Id", id);
        ex.sendResponseHeaders(202, -1);
    }

    private static JsonNode errors(String message) {
        var body = JSON.createObjectNode();
        body.putArray("errors").addObject().put("message", message);
        return body;
    }
}
