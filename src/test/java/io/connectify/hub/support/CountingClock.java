package io.connectify.hub.support;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.function.Supplier;

/**
 * Another clock's time, its readings counted on demand: in the hub each reading of the bookings' clock is a statement
 * (DatabaseClock), so a test asserts how many a piece of work made ({@link #readingsDuring}).
 */
public final class CountingClock extends Clock {

    private final Clock clock;
    /** The count of the thread running {@link #readingsDuring}; none on every other thread (the timers'). */
    private final ThreadLocal<int[]> readings = new ThreadLocal<>();

    public CountingClock(Clock clock) {
        this.clock = clock;
    }

    /** How many times {@code work} read this clock on the calling thread. */
    public int readingsDuring(Supplier<?> work) {
        int[] count = {0};
        readings.set(count);
        try {
            work.get();
        } finally {
            readings.remove();
        }
        return count[0];
    }

    @Override
    public Instant instant() {
        int[] count = readings.get();
        if (count != null) {
            count[0]++;
        }
        return clock.instant();
    }

    @Override
    public ZoneId getZone() {
        return clock.getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
