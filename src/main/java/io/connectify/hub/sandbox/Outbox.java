package io.connectify.hub.sandbox;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /sandbox/outbox}: what the Twilio and SendGrid simulators were asked to send, so a newcomer sees the
 * confirmation SMS and email. Empty when those providers are live (their simulators never start).
 */
@RestController
public class Outbox {

    private final Map<String, List<Map<String, String>>> boxes = new ConcurrentHashMap<>();

    void register(String channel, List<Map<String, String>> box) {
        boxes.put(channel, box);
    }

    @GetMapping(path = "/sandbox/outbox", produces = "application/json")
    public Map<String, List<Map<String, String>>> outbox() {
        return Map.of("sms", boxes.getOrDefault("sms", List.of()), "email", boxes.getOrDefault("email", List.of()));
    }
}
