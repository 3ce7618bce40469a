package io.connectify.hub.booking;

import java.time.Duration;
import java.time.Instant;

import io.connectify.hub.calendar.GoogleCalendarProperties;
import io.connectify.hub.ops.DatabaseProperties;
import io.connectify.hub.resilience.ResilienceProperties;
import org.springframework.stereotype.Component;

/**
 * How long a change of a booking's event through the hub (a reschedule's move, a cancel's removal) can be under way:
 * its two Google calls at most (a move's PATCH and, should the booking's update fail, the PATCH back; a cancel's
 * DELETE or mark-cancelled PATCH and, should its CANCELLED fail, the PATCH that puts the event back), each with
 * Google's timeouts and the hub's retry policy for it, and two lock waits (a cancel's: the record of its first ask,
 * and its CANCELLED under the booking's row lock; before, one was budgeted). A change marked under way for longer was
 * left by an instance that stopped during it, and no longer holds a re-check, a reschedule or a cancel off the
 * booking. Derived at start from those properties (an unusable retry policy stops the start), where a fixed 15
 * minutes held a customer's cancel off that long after a crash.
 */
@Component
public class EventChangeTimeout {

    /** The Google calls one change makes at most. */
    static final int CALLS = 2;
    /** The lock waits (each up to connectify.database.lock-timeout) one change makes at most. */
    static final int LOCK_WAITS = 2;

    private final Duration timeout;

    public EventChangeTimeout(GoogleCalendarProperties google, ResilienceProperties resilience,
                              DatabaseProperties database) {
        this.timeout = resilience.policyFor("google-calendar")
                .longestCall("google-calendar", google.connectTimeout(), google.readTimeout())
                .multipliedBy(CALLS).plus(database.lockTimeout().multipliedBy(LOCK_WAITS));
    }

    public Duration duration() {
        return timeout;
    }

    /**
     * When to ask again about a booking whose event a change began changing at {@code since}: as long again as it
     * has run (a live change mostly ends within a second; one that has run for minutes is retrying Google, or its
     * instance died), never later than the moment it no longer holds anything off, and at least a second.
     */
    public Duration askAgainAfter(Instant since, Instant now) {
        Duration age = Duration.between(since, now);
        Duration left = Duration.between(now, since.plus(timeout));
        Duration wait = age.compareTo(left) < 0 ? age : left;
        return wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait;
    }
}
