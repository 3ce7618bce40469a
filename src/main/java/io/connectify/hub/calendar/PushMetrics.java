package io.connectify.hub.calendar;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Counters of Google Calendar push: notifications by state, channels opened (or not), orphan channels (a watch request
 * failed, yet Google opened its channel) found sending and stopped, re-checks run, and what they found: bookings moved
 * to follow their event, events missing (deleted or cancelled in Google), moves left to a person. Rejected
 * notifications count in {@code connectify.webhook.rejected{provider="google-calendar"}}, as every provider's.
 */
@Component
public class PushMetrics {

    private static final List<String> STATES = List.of("sync", "exists", "not_exists");
    private static final List<String> CHANNEL_OUTCOMES = List.of("opened", "failed", "no-sync");
    private static final List<String> ORPHAN_OUTCOMES = List.of("found", "stopped");
    private static final List<String> RECHECK_OUTCOMES = List.of("completed", "failed", "all-missing");
    private static final List<String> MOVE_REFUSALS = List.of("overlap", "length", "past");

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public PushMetrics(MeterRegistry registry) {
        this.registry = registry;
        // every series exists from the start at zero, so the dashboard and alerts (increase, rate) see it before
        // its first event, and a hub with push off shows zeros rather than nothing
        STATES.forEach(state -> counter("connectify.gcal.push.notifications", "state", state));
        counter("connectify.gcal.push.notifications", "state", "other");
        CHANNEL_OUTCOMES.forEach(outcome -> counter("connectify.gcal.push.channels", "outcome", outcome));
        ORPHAN_OUTCOMES.forEach(outcome -> counter("connectify.gcal.push.orphan.channels", "outcome", outcome));
        RECHECK_OUTCOMES.forEach(outcome -> counter("connectify.gcal.rechecks", "outcome", outcome));
        counter("connectify.gcal.bookings.moved", null, null);
        counter("connectify.gcal.bookings.events.missing", null, null);
        MOVE_REFUSALS.forEach(reason -> counter("connectify.gcal.bookings.moves.refused", "reason", reason));
    }

    /** Google's resource state; anything else counts as "other" (a tag's values stay few). */
    public void notification(String state) {
        counter("connectify.gcal.push.notifications", "state", STATES.contains(state) ? state : "other").increment();
    }

    /**
     * outcome: opened, failed, no-sync (opened, but its first notification did not come within first-sync-within,
     * doubled for each silent channel in a row before it).
     */
    public void channel(String outcome) {
        counter("connectify.gcal.push.channels", "outcome", outcome).increment();
    }

    /**
     * A channel whose watch request failed (or was never answered) but which Google opened all the same, its answer
     * lost. outcome: found (it sent a notification: its resource id recorded, once per channel), stopped (the
     * renewal stopped it, or found it gone at Google).
     */
    public void orphanChannel(String outcome) {
        counter("connectify.gcal.push.orphan.channels", "outcome", outcome).increment();
    }

    /**
     * outcome: completed, failed, all-missing (every booking's event missing: a calendar that no longer holds the
     * hub's events; nothing flagged).
     */
    public void recheck(String outcome) {
        counter("connectify.gcal.rechecks", "outcome", outcome).increment();
    }

    public void bookingMoved() {
        counter("connectify.gcal.bookings.moved", null, null).increment();
    }

    public void eventMissing() {
        counter("connectify.gcal.bookings.events.missing", null, null).increment();
    }

    /**
     * reason: overlap (the new time is another booking's or hold's), length (the event's length changed), past (moved
     * to a time already past).
     */
    public void moveLeftToAPerson(String reason) {
        counter("connectify.gcal.bookings.moves.refused", "reason", reason).increment();
    }

    private Counter counter(String name, String tag, String value) {
        return counters.computeIfAbsent(name + '|' + value, key -> {
            Counter.Builder builder = Counter.builder(name);
            if (tag != null) {
                builder.tag(tag, value);
            }
            return builder.register(registry);
        });
    }
}
