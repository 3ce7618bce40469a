package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.JSON;
import static io.connectify.hub.sandbox.SimulatorHttp.send;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Twilio's Messages resource ({@code POST /2010-04-01/Accounts/{sid}/Messages.json}, form-encoded, Basic auth with
 * the API key) for the hub's SMS, and its list ({@code GET}, {@link #page}), which the hub reads after a lost answer.
 * Every message goes to the outbox, and Twilio's status callbacks ("sent", then "delivered", the second once the
 * first was answered, as Twilio's come one after the other) are posted to the message's StatusCallback, signed with
 * the sandbox auth token as Twilio signs. Before, both were posted at once, and "delivered" could reach the hub
 * first.
 */
public class TwilioSimulator {

    public static final String ACCOUNT_SID = "AC00000000000000000000000000000000";
    public static final String API_KEY_SID = "SK00000000000000000000000000000000";
    public static final String API_KEY_SECRET = "sandbox-twilio-secret";
    public static final String AUTH_TOKEN = "sandbox-twilio-auth-token";
    public static final String FROM_NUMBER = "+15005550006";
    private static final Logger log = LoggerFactory.getLogger(TwilioSimulator.class);
    private static final String MESSAGES = "/2010-04-01/Accounts/" + ACCOUNT_SID + "/Messages.json";
    /** Twilio's dates (RFC 2822), as twilio-java parses them. */
    private static final DateTimeFormatter RFC_2822 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z",
            Locale.US);

    private final String base;
    private final List<Map<String, String>> outbox = new CopyOnWriteArrayList<>();
    /** The messages taken as the list shows them, most recently created first. */
    private final List<ObjectNode> messages = new CopyOnWriteArrayList<>();

    public TwilioSimulator(SandboxServer server, Outbox outboxes) {
        this.base = server.baseUrl() + "/twilio";
        server.register("/twilio/", "twilio", TwilioSimulator::faultError, exchange -> {
            try (exchange) {
                handle(exchange);
            } catch (IOException | RuntimeException e) {
                log.warn("Twilio simulator failed on {}", exchange.getRequestURI().getPath(), e);
                send(exchange, 500, JSON.createObjectNode().put("code", 20500).put("message", "Simulator failure"));
            }
        });
        outboxes.register("sms", outbox);
    }

    public String apiBase() {
        return base;
    }

    private void handle(HttpExchange ex) throws IOException {
        String expected = "Basic " + java.util.Base64.getEncoder().encodeToString(
                (API_KEY_SID + ":" + API_KEY_SECRET).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            send(ex, 401, error(20003, "Authenticate", 401));
            return;
        }
        String path = ex.getRequestURI().getPath().substring("/twilio".length());
        if (!path.equals(MESSAGES)) {
            send(ex, 404, error(20404, "The requested resource was not found", 404));
            return;
        }
        if (ex.getRequestMethod().equals("GET")) {
            send(ex, 200, page(SimulatorHttp.form(ex.getRequestURI().getRawQuery())));
            return;
        }
        if (!ex.getRequestMethod().equals("POST")) {
            send(ex, 404, error(20404, "The requested resource was not found", 404));
            return;
        }
        Map<String, String> form = SimulatorHttp.form(SimulatorHttp.bodyText(ex));
        String to = form.getOrDefault("To", "");
        if (!to.matches("\\+[1-9][0-9]{6,14}")) {
            send(ex, 400, error(21211, "The 'To' number " + to + " is not a valid phone number.", 400));
            return;
        }
        String sid = "SM" + UUID.randomUUID().toString().replace("-", "");
        outbox.add(Map.of("sid", sid, "to", to, "from", form.getOrDefault("From", form.getOrDefault("MessagingServiceSid", "")),
                "body", form.getOrDefault("Body", "")));
        String created = RFC_2822.format(Instant.now().atZone(ZoneOffset.UTC));
        ObjectNode message = JSON.createObjectNode().put("sid", sid).put("account_sid", ACCOUNT_SID).put("to", to)
                .put("from", form.get("From")).put("messaging_service_sid", form.get("MessagingServiceSid"))
                .put("body", form.get("Body")).put("status", "queued")
                .put("direction", "outbound-api").put("api_version", "2010-04-01").put("num_segments", "1")
                .put("date_created", created).put("date_updated", created).putNull("date_sent")
                .put("uri", "/2010-04-01/Accounts/" + ACCOUNT_SID + "/Messages/" + sid + ".json");
        send(ex, 201, message);
        // listed from now on as Twilio lists it once handed on: sent, dated
        messages.add(0, message.deepCopy().put("status", "sent").put("date_sent", created));
        String callback = form.get("StatusCallback");
        if (callback != null) {
            callback(callback, sid, "sent", to).thenCompose(sent -> callback(callback, sid, "delivered", to));
        }
    }

    /**
     * Twilio's Messages list ({@code GET .../Messages.json}): the messages taken, most recently created first,
     * filtered by {@code To}, {@code From} and the GMT day of {@code DateSent}, {@code DateSent>} (on or after) and
     * {@code DateSent<} (on or before), paged by {@code PageSize} (default 50, at most 1000) and {@code Page}, with
     * Twilio's paging fields ({@code next_page_uri} null on the last page). The hub's lookup after a lost answer reads
     * it; before, the simulator answered it 404, and after a Twilio fault that lost an answer the SMS failed for ever.
     */
    private ObjectNode page(Map<String, String> query) {
        List<ObjectNode> matching = messages.stream()
                .filter(m -> !query.containsKey("To") || query.get("To").equals(m.path("to").asText()))
                .filter(m -> !query.containsKey("From") || query.get("From").equals(m.path("from").asText()))
                .filter(m -> sentOn(m, query.get("DateSent>"), 1) && sentOn(m, query.get("DateSent<"), -1)
                        && sentOn(m, query.get("DateSent"), 0))
                .toList();
        int size = Math.max(1, Math.min(1000, intOr(query.get("PageSize"), 50)));
        int number = Math.max(0, intOr(query.get("Page"), 0));
        int start = (int) Math.min((long) number * size, matching.size());
        int end = Math.min(start + size, matching.size());
        ObjectNode page = JSON.createObjectNode();
        var listed = page.putArray("messages");
        matching.subList(start, end).forEach(listed::add);
        page.put("start", start).put("end", Math.max(start, end - 1)).put("page", number).put("page_size", size)
                .put("uri", pageUri(query, number, size)).put("first_page_uri", pageUri(query, 0, size))
                .put("next_page_uri", end < matching.size() ? pageUri(query, number + 1, size) : null)
                .put("previous_page_uri", number > 0 ? pageUri(query, number - 1, size) : null);
        return page;
    }

    /** On or after ({@code compare} 1), on or before (-1), or on (0) the GMT day of {@code filter}; none: true. */
    private static boolean sentOn(ObjectNode message, String filter, int compare) {
        if (filter == null) {
            return true;
        }
        if (message.path("date_sent").isNull() || filter.length() < 10) {
            return false;
        }
        int c = ZonedDateTime.parse(message.get("date_sent").asText(), RFC_2822).toLocalDate()
                .compareTo(LocalDate.parse(filter.substring(0, 10)));
        return compare == 0 ? c == 0 : compare > 0 ? c >= 0 : c <= 0;
    }

    private static String pageUri(Map<String, String> query, int page, int size) {
        Map<String, String> params = new java.util.LinkedHashMap<>(query);
        params.remove("PageToken");
        params.put("PageSize", String.valueOf(size));
        params.put("Page", String.valueOf(page));
        if (page > 0) {
            params.put("PageToken", "PASM" + page);
        }
        StringBuilder uri = new StringBuilder(MESSAGES).append('?');
        params.forEach((name, value) -> uri.append(uri.charAt(uri.length() - 1) == '?' ? "" : "&")
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return uri.toString();
    }

    private static int intOr(String value, int otherwise) {
        try {
            return value == null ? otherwise : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** Twilio's signature: base64 HMAC-SHA1 over the URL plus every parameter name and value, sorted by name. */
    private CompletableFuture<Void> callback(String url, String sid, String status, String to) {
        Map<String, String> params = new TreeMap<>(Map.of("MessageSid", sid, "SmsSid", sid, "MessageStatus", status,
                "SmsStatus", status, "AccountSid", ACCOUNT_SID, "To", to, "ApiVersion", "2010-04-01"));
        String body = params.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).reduce((a, b) -> a + "&" + b).orElse("");
        StringBuilder signed = new StringBuilder(url);
        params.forEach((name, value) -> signed.append(name).append(value));
        String signature;
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(AUTH_TOKEN.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            signature = java.util.Base64.getEncoder().encodeToString(
                    mac.doFinal(signed.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return SimulatorHttp.webhook(url, "application/x-www-form-urlencoded", body,
                Map.of("X-Twilio-Signature", signature));
    }

    /** Twilio's error for a status the failure switch answers (its 2xxxx code; Twilio sends no Retry-After). */
    static ObjectNode faultError(int status) {
        return switch (status) {
            case 400 -> error(21211, "The 'To' number is not a valid phone number.", status);
            case 401 -> error(20003, "Authenticate", status);
            case 404 -> error(20404, "The requested resource was not found", status);
            case 429 -> error(20429, "Too Many Requests", status);
            case 503 -> error(20503, "Service Unavailable", status);
            default -> error(status >= 500 ? 20500 : 20001, status >= 500 ? "Internal Server Error"
                    : "Invalid request", status);
        };
    }

    private static ObjectNode error(int code, String message, int status) {
        return JSON.createObjectNode().put("code", code).put("message", message).put("status", status)
                .put("more_info", "https://www.twilio.com/docs/errors/" + code);
    }
}
