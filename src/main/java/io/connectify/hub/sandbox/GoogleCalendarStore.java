package io.connectify.hub.sandbox;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The simulator's calendars: events per calendar id, kept as Google's event JSON. Deleted events stay as
 * "cancelled", as in Google (their ids stay taken; reading one answers it cancelled, deleting it again answers 410,
 * patching one patches it in Google's bin and answers it 200 cancelled). One lock for everything: sandbox traffic is
 * light. Callers get copies, never the stored nodes.
 */
final class GoogleCalendarStore {

    /** Google's rule for client-chosen ids: base32hex characters, 5 to 1024 of them. */
    private static final Pattern CLIENT_ID = Pattern.compile("[a-v0-9]{5,1024}");
    /** Google's status of a deleted event. */
    private static final String CANCELLED = "cancelled";
    /** Fields the server owns: a patch cannot change them. */
    private static final Set<String> READ_ONLY = Set.of("id", "kind", "etag", "htmlLink", "created", "updated");
    static final DateTimeFormatter RFC3339_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

    private final Map<String, Map<String, ObjectNode>> calendars = new HashMap<>();
    private final String htmlLinkBase;
    private final Clock clock;
    private long writes;

    GoogleCalendarStore(String htmlLinkBase, Clock clock) {
        this.htmlLinkBase = htmlLinkBase;
        this.clock = clock;
    }

    record Busy(Instant start, Instant end) {
    }

    synchronized ObjectNode insert(String calendarId, ObjectNode event) {
        Map<String, ObjectNode> events = calendar(calendarId);
        String id = event.path("id").asText("");
        if (id.isEmpty()) {
            id = UUID.randomUUID().toString().replace("-", ""); // hex digits are base32hex too
        } else if (!CLIENT_ID.matcher(id).matches()) {
            throw GoogleApiError.badRequest("invalid", "Invalid resource id value.");
        } else if (events.containsKey(id)) {
            throw new GoogleApiError(409, "duplicate", "The requested identifier already exists.");
        }
        ObjectNode stored = event.deepCopy();
        checkTimes(stored);
        String now = now();
        stored.put("kind", "calendar#event").put("id", id).put("status", "confirmed")
                .put("htmlLink", htmlLinkBase + id).put("created", now);
        touch(stored, now);
        events.put(id, stored);
        return stored.deepCopy();
    }

    /**
     * As Google's get: a deleted event is answered, with status "cancelled" and no more than its id sure (here its
     * id alone), where its delete answers 410. Before, 410 here too.
     */
    synchronized ObjectNode get(String calendarId, String eventId) {
        ObjectNode event = stored(calendarId, eventId);
        if (deleted(event)) {
            return event.objectNode().put("kind", "calendar#event").put("id", eventId).put("status", CANCELLED);
        }
        return event.deepCopy();
    }

    /**
     * Google's patch semantics: given fields replace, nested objects merge, JSON null removes. A deleted event is
     * patched in Google's bin and answered 200, still "cancelled" whatever status the patch gives (this simulator
     * does not restore events from the bin). Before, 410 here.
     */
    synchronized ObjectNode patch(String calendarId, String eventId, ObjectNode changes) {
        ObjectNode stored = stored(calendarId, eventId);
        boolean deleted = deleted(stored);
        ObjectNode patched = stored.deepCopy();
        ObjectNode writable = changes.deepCopy();
        writable.remove(READ_ONLY);
        if (deleted) {
            writable.remove("status");
        }
        merge(patched, writable);
        checkTimes(patched);
        touch(patched, now());
        calendar(calendarId).put(eventId, patched);
        return patched.deepCopy();
    }

    synchronized void delete(String calendarId, String eventId) {
        ObjectNode event = live(calendarId, eventId);
        event.put("status", CANCELLED);
        touch(event, now());
    }

    /** Events overlapping [from, to), by start time. */
    synchronized List<ObjectNode> list(String calendarId, Instant from, Instant to) {
        return liveEvents(calendarId)
                .filter(e -> start(e).isBefore(to) && end(e).isAfter(from))
                .sorted(Comparator.comparing(GoogleCalendarStore::start).thenComparing(e -> e.get("id").asText()))
                .map(ObjectNode::deepCopy)
                .toList();
    }

    /**
     * Busy ranges inside [from, to): events clipped to the window, overlapping ones merged, by start time. A
     * transparent event (transparency "transparent") blocks no time, as in Google's FreeBusy.
     */
    synchronized List<Busy> busy(String calendarId, Instant from, Instant to) {
        List<Busy> clipped = liveEvents(calendarId)
                .filter(e -> !"transparent".equals(e.path("transparency").asText()))
                .filter(e -> start(e).isBefore(to) && end(e).isAfter(from))
                .map(e -> new Busy(later(start(e), from), earlier(end(e), to)))
                .sorted(Comparator.comparing(Busy::start))
                .toList();
        List<Busy> merged = new ArrayList<>();
        for (Busy next : clipped) {
            Busy last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && !next.start().isAfter(last.end())) {
                merged.set(merged.size() - 1, new Busy(last.start(), later(last.end(), next.end())));
            } else {
                merged.add(next);
            }
        }
        return merged;
    }

    /** Events on the calendars; deleted ones do not count. */
    synchronized int liveEventCount() {
        return (int) calendars.keySet().stream().flatMap(this::liveEvents).count();
    }

    synchronized void clear() {
        calendars.clear();
    }

    /** An RFC 3339 time with offset; anything else is Google's 400 "invalid". */
    static Instant rfc3339(String text, String field) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException | NullPointerException e) {
            throw GoogleApiError.badRequest("invalid", "Invalid value for: " + field);
        }
    }

    private Map<String, ObjectNode> calendar(String calendarId) {
        return calendars.computeIfAbsent(calendarId, id -> new LinkedHashMap<>());
    }

    private Stream<ObjectNode> liveEvents(String calendarId) {
        return calendars.getOrDefault(calendarId, Map.of()).values().stream()
                .filter(e -> !deleted(e));
    }

    private ObjectNode live(String calendarId, String eventId) {
        ObjectNode event = stored(calendarId, eventId);
        if (deleted(event)) {
            throw new GoogleApiError(410, "deleted", "Resource has been deleted");
        }
        return event;
    }

    private ObjectNode stored(String calendarId, String eventId) {
        ObjectNode event = calendars.getOrDefault(calendarId, Map.of()).get(eventId);
        if (event == null) {
            throw GoogleApiError.notFound();
        }
        return event;
    }

    private static boolean deleted(JsonNode event) {
        return CANCELLED.equals(event.path("status").asText());
    }

    private static void checkTimes(ObjectNode event) {
        for (String field : List.of("start", "end")) {
            if (!event.path(field).path("dateTime").isTextual()) {
                throw GoogleApiError.badRequest("required", "Missing " + field + " time.");
            }
        }
        if (!end(event).isAfter(start(event))) {
            throw GoogleApiError.badRequest("timeRangeEmpty", "The specified time range is empty.");
        }
    }

    private static void merge(ObjectNode target, ObjectNode changes) {
        changes.properties().forEach(change -> {
            String field = change.getKey();
            JsonNode value = change.getValue();
            if (value.isNull()) {
                target.remove(field);
            } else if (value.isObject() && target.get(field) instanceof ObjectNode existing) {
                merge(existing, (ObjectNode) value);
            } else {
                target.set(field, value);
            }
        });
    }

    private void touch(ObjectNode event, String now) {
        // the etag changes with every write, as Google's does
        event.put("updated", now).put("etag", "\"" + (++writes) + "\"");
    }

    private String now() {
        return RFC3339_MILLIS.format(clock.instant());
    }

    private static Instant start(JsonNode event) {
        return rfc3339(event.path("start").path("dateTime").asText(), "start.dateTime");
    }

    private static Instant end(JsonNode event) {
        return rfc3339(event.path("end").path("dateTime").asText(), "end.dateTime");
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
