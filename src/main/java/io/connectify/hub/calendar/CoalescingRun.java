package io.connectify.hub.calendar;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.connectify.hub.resilience.Causes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code work} on request, at most one run at a time, bursts coalesced: a request while a run is under way makes
 * exactly one more run after it, however many came (that run sees all their changes). Google sends a notification per
 * change, often several a second, and each re-check reads every upcoming booking's event. The request returns at once.
 * A run that fails is logged by its work, which knows what failed and when it is tried again
 * (CalendarEventRecheck's WARN line); here only at DEBUG, so that a failed run is not a second WARN saying the same.
 */
public class CoalescingRun {

    private static final Logger log = LoggerFactory.getLogger(CoalescingRun.class);

    private final String name;
    private final Executor executor;
    private final Runnable work;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong runs = new AtomicLong();

    public CoalescingRun(String name, Executor executor, Runnable work) {
        this.name = name;
        this.executor = executor;
        this.work = work;
    }

    public void request() {
        requests.incrementAndGet();
        pending.set(true);
        startIfIdle();
    }

    /** Requests so far. */
    public long requests() {
        return requests.get();
    }

    /** Whether a run is under way or about to start. */
    public boolean busy() {
        return running.get();
    }

    /** Runs started so far. */
    public long runs() {
        return runs.get();
    }

    private void startIfIdle() {
        if (running.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException stopping) {
                running.set(false);
                log.warn("{} not run: the hub is stopping", name);
            }
        }
    }

    private void drain() {
        try {
            while (pending.getAndSet(false)) {
                runs.incrementAndGet();
                try {
                    work.run();
                } catch (RuntimeException e) {
                    log.debug("{} failed ({})", name, Causes.forLog(e));
                }
            }
        } finally {
            running.set(false);
        }
        // a request that came after the last look at pending but before running was cleared found this run busy
        if (pending.get()) {
            startIfIdle();
        }
    }
}
