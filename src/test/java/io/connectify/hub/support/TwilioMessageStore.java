package io.connectify.hub.support;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * A stateful fake of Twilio's Messages resource, as a WireMock transformer ({@link #NAME}): {@code POST} stores the
 * message (To, From or MessagingServiceSid, Body) and answers it as Twilio does (201, the Message with a new SID,
 * status queued); {@code GET} lists the stored messages as Twilio's list does (filters {@code To}, {@code From},
 * {@code DateSent>}/{@code DateSent<}/{@code DateSent} by GMT day, a message not yet sent never matching one; most
 * recently created first, paged by {@code PageSize} and {@code Page} with Twilio's paging fields). The next answer to a
 * POST can be lost: after the message is stored (Twilio took it) or before (it never reached Twilio); every answer
 * can come late. Messages can be
 * kept queued (no {@code date_sent}, as while Twilio has not handed them on), stored as sent by someone else, and a
 * list page after the first can fail.
 */
public final class TwilioMessageStore implements ResponseDefinitionTransformerV2 {

    public static final String NAME = "twilio-message-store";
    /** Twilio's dates (RFC 2822), as twilio-java parses them. */
    private static final DateTimeFormatter RFC_2822 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z",
            Locale.US);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the next POST's answer is lost. */
    public enum Loss {
        /** Stored, then answered after the hub's read timeout (test profile: 1 s). */
        STORED_THEN_READ_TIMEOUT,
        /** Stored, then the connection dropped. */
        STORED_THEN_CONNECTION_RESET,
        /** The connection dropped before the message was stored: it never reached Twilio. */
        NOT_STORED,
        /** Stored, then an edge answered 502 Bad Gateway for it. */
        STORED_THEN_BAD_GATEWAY
    }

    private final String accountSid;
    private final String serviceSender;
    private final List<Map<String, Object>> messages = new CopyOnWriteArrayList<>();
    private final AtomicReference<Loss> nextLoss = new AtomicReference<>();
    private final AtomicInteger sids = new AtomicInteger();
    private volatile boolean keepQueued;
    private volatile boolean answerLate;
    private volatile boolean failLaterPages;
    private volatile java.time.Duration createdLate = java.time.Duration.ZERO;
    private volatile String listedStatus = "sent";

    public TwilioMessageStore(String accountSid, String serviceSender) {
        this.accountSid = accountSid;
        this.serviceSender = serviceSender;
    }

    public void reset() {
        messages.clear();
        nextLoss.set(null);
        keepQueued = false;
        answerLate = false;
        failLaterPages = false;
        createdLate = java.time.Duration.ZERO;
        listedStatus = "sent";
    }

    /** Messages stored from now on are listed with this status once sent (e.g. failed; default sent). */
    public void listAs(String status) {
        listedStatus = status;
    }

    /** Messages stored from now on stay queued: no {@code date_sent} (Twilio has not handed them on yet). */
    public void keepQueued() {
        keepQueued = true;
    }

    /**
     * Every answer from now on, the list's too, comes after the hub's read timeout (test profile: 1 s); each POST is
     * stored all the same (Twilio took it): a Twilio slow throughout, until {@link #answerInTime}.
     */
    public void answerLate() {
        answerLate = true;
    }

    /**
     * Messages taken from now on are dated {@code late} after their POST came: Twilio creating a message after the hub
     * (or Twilio's own edge) gave up waiting for its answer.
     */
    public void createLate(java.time.Duration late) {
        createdLate = late;
    }

    /** Answers come in time again (after {@link #answerLate}). */
    public void answerInTime() {
        answerLate = false;
    }

    /** List pages after the first answer 503 (the first is answered). */
    public void failLaterPages() {
        failLaterPages = true;
    }

    /**
     * A message Twilio took from someone else (another notification's send, another instance's), created at
     * {@code created}: its SID.
     */
    public String storeSent(String to, String from, String body, java.time.Instant created) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("To", to);
        form.put("From", from);
        form.put("Body", body);
        return (String) store(form, created).get("sid");
    }

    /**
     * {@code count} messages Twilio took from someone else for {@code to} (other bookings' news, texts {@code body}
     * followed by their number), all created at {@code created}: a busy number's backlog, stored at once. Listed with
     * only the fields a lookup reads ({@link #LEAN}; Twilio's others null), so that thousands of them are cheap to
     * list and to read: pages of 1000 well inside the hub's read timeout (test profile: 1 s) on a busy machine.
     */
    public void storeSent(String to, String from, String body, java.time.Instant created, int count) {
        List<Map<String, Object>> taken = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("To", to);
            form.put("From", from);
            form.put("Body", body + " " + i);
            taken(form, created, taken);
            taken.get(i).keySet().retainAll(LEAN);
        }
        messages.addAll(taken); // one copy of the list, not one a message
    }

    /** A bulk-stored message's fields: what the lost-answer lookup reads, and the fake's own for listing it. */
    private static final java.util.Set<String> LEAN = java.util.Set.of("sid", "account_sid", "to", "from",
            "messaging_service_sid", "body", "status", "date_created", "created");

    /** The next POST's answer is lost, as {@code loss} says; those after it are answered. */
    public void loseNextAnswer(Loss loss) {
        nextLoss.set(loss);
    }

    /** The messages Twilio took, oldest first. */
    public List<Map<String, Object>> messages() {
        return List.copyOf(messages);
    }

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
        var request = serveEvent.getRequest();
        if (request.getMethod().getName().equals("POST")) {
            Loss loss = nextLoss.getAndSet(null);
            if (loss == Loss.NOT_STORED) {
                return ResponseDefinitionBuilder.responseDefinition().withFault(Fault.CONNECTION_RESET_BY_PEER).build();
            }
            Map<String, Object> message = store(decode(request.getBodyAsString()),
                    java.time.Instant.now().plus(createdLate));
            var answer = ResponseDefinitionBuilder.responseDefinition().withStatus(201)
                    .withHeader("Content-Type", "application/json").withBody(json(message));
            if (loss == Loss.STORED_THEN_READ_TIMEOUT || answerLate) {
                answer.withFixedDelay(1500);
            } else if (loss == Loss.STORED_THEN_CONNECTION_RESET) {
                answer = ResponseDefinitionBuilder.responseDefinition().withFault(Fault.CONNECTION_RESET_BY_PEER);
            } else if (loss == Loss.STORED_THEN_BAD_GATEWAY) {
                answer = ResponseDefinitionBuilder.responseDefinition().withStatus(502)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"message\":\"Bad Gateway\",\"status\":502}");
            }
            return answer.build();
        }
        String url = request.getUrl();
        Map<String, String> query = decode(url.contains("?") ? url.substring(url.indexOf('?') + 1) : "");
        if (failLaterPages && !query.getOrDefault("Page", "0").equals("0")) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(503)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"code\":20503,\"message\":\"Service unavailable\",\"status\":503}").build();
        }
        var listed = ResponseDefinitionBuilder.responseDefinition().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(json(page(url, query)));
        if (answerLate) {
            listed.withFixedDelay(1500);
        }
        return listed.build();
    }

    private Map<String, Object> store(Map<String, String> form, java.time.Instant created) {
        List<Map<String, Object>> taken = new ArrayList<>(1);
        Map<String, Object> answer = taken(form, created, taken);
        messages.addAll(taken);
        return answer;
    }

    /** The message Twilio takes from {@code form}, added to {@code into} as listed later: the answer to its POST. */
    private Map<String, Object> taken(Map<String, String> form, java.time.Instant created,
                                      List<Map<String, Object>> into) {
        String sid = "SM%032x".formatted(0xbeef0000L + sids.incrementAndGet());
        String now = RFC_2822.format(created.atZone(ZoneOffset.UTC));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sid", sid);
        m.put("account_sid", accountSid);
        m.put("to", form.get("To"));
        m.put("from", form.getOrDefault("From", serviceSender));
        m.put("messaging_service_sid", form.get("MessagingServiceSid"));
        m.put("body", form.get("Body"));
        m.put("status", "queued");
        m.put("direction", "outbound-api");
        m.put("api_version", "2010-04-01");
        m.put("num_segments", "1");
        m.put("num_media", "0");
        m.put("price", null);
        m.put("price_unit", "USD");
        m.put("error_code", null);
        m.put("error_message", null);
        m.put("date_created", now);
        m.put("date_updated", now);
        m.put("date_sent", null);
        m.put("uri", "/2010-04-01/Accounts/" + accountSid + "/Messages/" + sid + ".json");
        m.put("subresource_uris", Map.of("media", "/2010-04-01/Accounts/" + accountSid + "/Messages/" + sid
                + "/Media.json"));
        Map<String, Object> answer = new LinkedHashMap<>(m);
        if (!keepQueued) {
            // listed later as sent at once (Twilio sets date_sent when it hands the message on)
            m.put("status", listedStatus);
            m.put("date_sent", now);
        }
        m.put("created", created);
        into.add(m);
        return answer;
    }

    private Map<String, Object> page(String url, Map<String, String> query) {
        List<Map<String, Object>> matching = new ArrayList<>(messages.stream()
                .filter(m -> !query.containsKey("To") || query.get("To").equals(m.get("to")))
                .filter(m -> !query.containsKey("From") || query.get("From").equals(m.get("from")))
                .filter(m -> sentOn(m, query.get("DateSent>"), 1) && sentOn(m, query.get("DateSent<"), -1)
                        && sentOn(m, query.get("DateSent"), 0))
                .toList());
        // most recently created first (the same second: the later SID first)
        matching.sort(Comparator.comparing((Map<String, Object> m) -> (java.time.Instant) m.get("created"))
                .thenComparing(m -> (String) m.get("sid")).reversed());
        int size = Integer.parseInt(query.getOrDefault("PageSize", "50"));
        int number = Integer.parseInt(query.getOrDefault("Page", "0"));
        int start = Math.min(number * size, matching.size());
        int end = Math.min(start + size, matching.size());
        String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("messages", matching.subList(start, end).stream().map(m -> {
            Map<String, Object> listed = new LinkedHashMap<>(m);
            listed.remove("created"); // the fake's own: Twilio's date_created is to the second
            return listed;
        }).toList());
        page.put("start", start);
        page.put("end", Math.max(start, end - 1));
        page.put("page", number);
        page.put("page_size", size);
        page.put("uri", pageUri(path, query, number, size));
        page.put("first_page_uri", pageUri(path, query, 0, size));
        page.put("next_page_uri", end < matching.size() ? pageUri(path, query, number + 1, size) : null);
        page.put("previous_page_uri", number > 0 ? pageUri(path, query, number - 1, size) : null);
        return page;
    }

    /** On or after ({@code compare} 1), on or before (-1), or on (0) the GMT day of {@code filter}; no filter: true. */
    private static boolean sentOn(Map<String, Object> m, String filter, int compare) {
        if (filter == null) {
            return true;
        }
        Object sent = m.get("date_sent");
        if (sent == null) {
            return false;
        }
        var day = ZonedDateTime.parse((String) sent, RFC_2822).toLocalDate();
        var wanted = java.time.LocalDate.parse(filter.substring(0, 10));
        int c = day.compareTo(wanted);
        return compare == 0 ? c == 0 : compare > 0 ? c >= 0 : c <= 0;
    }

    private static String pageUri(String path, Map<String, String> query, int page, int size) {
        Map<String, String> params = new LinkedHashMap<>(query);
        params.remove("PageToken");
        params.put("PageSize", String.valueOf(size));
        params.put("Page", String.valueOf(page));
        if (page > 0) {
            params.put("PageToken", "PASM" + page);
        }
        return path + "?" + params.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Map<String, String> decode(String form) {
        Map<String, String> values = new LinkedHashMap<>();
        if (form == null || form.isEmpty()) {
            return values;
        }
        for (String pair : form.split("&")) {
            String[] kv = pair.split("=", 2);
            values.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return values;
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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
