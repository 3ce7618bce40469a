package io.connectify.hub.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Another clock's time, its readings counted on demand: in the hub each reading of the bookings' clock is a statement
 * (DatabaseClock), so a test asserts how many a piece of work made ({@link #readingsDuring}).
 */
public final class CountingClock extends Clock {

    private final Clock clock;
    /** The count of the thread running {@link #readingsDuring}; none on every other thread (the timers'). */
    private final ThreadLocal<int[]> readings = new ThreadLocal<>();
    /** The threads whose readings {@link #readingsOnThreadsDuring} counts, and their count; none outside it. */
    private volatile Predicate<Thread> counted;
    private final AtomicInteger countedReadings = new AtomicInteger();
    /** How far behind the other clock this one runs: the database's behind an instance's ({@link #runningBehind}). */
    private volatile Duration behind = Duration.ZERO;

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

    /**
     * How many times threads {@code which} (the HTTP server's, say, for a REST request the test sends) read this clock
     * while {@code work} ran on the calling thread. One window at a time.
     */
    public synchronized int readingsOnThreadsDuring(Predicate<Thread> which, Runnable work) {
        countedReadings.set(0);
        counted = which;
        try {
            work.run();
        } finally {
            counted = null;
        }
        return countedReadings.get();
    }

    /**
     * Runs {@code work} with this clock {@code skew} behind the other (the hub's, the instance's): the database's
     * clock behind an instance's running ahead of it, as BookingHoldClockSkewTest has it.
     */
    public void runningBehind(Duration skew, Runnable work) {
        behind = skew;
        try {
            work.run();
        } finally {
            behind = Duration.ZERO;
        }
    }

    /** Runs {@code work} with this clock {@code skew} ahead of the other: the database's ahead of an instance's. */
    public void runningAhead(Duration skew, Runnable work) {
        runningBehind(skew.negated(), work);
    }

    @Override
    public Instant instant() {
        int[] count = readings.get();
        if (count != null) {
            count[0]++;
        }
        Predicate<Thread> which = counted;
        if (which != null && which.test(Thread.currentThread())) {
            countedReadings.incrementAndGet();
        }
        return clock.instant().minus(behind);
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
