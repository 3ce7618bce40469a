package io.connectify.hub.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.api.Trigger;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * One thread's next SELECT of a table held before it runs, until the test releases it (H2, the tests' database): a
 * piece of work slow to take its row lock ({@code SELECT ... FOR UPDATE}), as one waiting for a pooled connection or
 * not scheduled is, while other threads go on. {@link #pauseNextSelect} arms it for the thread that calls it, which
 * then does the work; {@link #awaitPaused} waits until that SELECT is held, {@link #release} lets it go. An H2 trigger
 * (BEFORE SELECT, fired by the statement before it reads or locks a row), dropped again by {@link #close}; at most
 * 20 seconds.
 */
public final class PausedSelect implements Trigger, AutoCloseable {

    private static final AtomicInteger TRIGGERS = new AtomicInteger();
    private static final Map<String, PausedSelect> ARMED = new ConcurrentHashMap<>();

    private final JdbcClient jdbc;
    private final String trigger;
    private final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Thread thread;
    private PausedSelect armed;

    /** H2's instance of the trigger: the pause it was created for, found by its name in {@link #init}. */
    public PausedSelect() {
        this.jdbc = null;
        this.trigger = null;
    }

    private PausedSelect(JdbcClient jdbc, String trigger) {
        this.jdbc = jdbc;
        this.trigger = trigger;
    }

    /** A pause of {@code table}'s next SELECT by the thread that calls {@link #pauseNextSelect}. */
    public static PausedSelect on(JdbcClient jdbc, String table) {
        PausedSelect pause = new PausedSelect(jdbc, "PAUSED_SELECT_" + TRIGGERS.incrementAndGet());
        ARMED.put(pause.trigger, pause);
        jdbc.sql("CREATE TRIGGER " + pause.trigger + " BEFORE SELECT ON " + table + " CALL '"
                + PausedSelect.class.getName() + "'").update();
        return pause;
    }

    /** The calling thread's next SELECT of the table is held until {@link #release}. */
    public void pauseNextSelect() {
        thread = Thread.currentThread();
    }

    /** Waits until the armed thread's SELECT is held. */
    public void awaitPaused() throws InterruptedException {
        assertThat(paused.await(20, TimeUnit.SECONDS)).as("the paused thread reached its SELECT").isTrue();
    }

    public void release() {
        released.countDown();
    }

    @Override
    public void init(Connection connection, String schema, String triggerName, String table, boolean before,
                     int type) {
        armed = ARMED.get(triggerName);
    }

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) {
        PausedSelect pause = armed;
        if (pause != null && pause.thread == Thread.currentThread()) {
            pause.thread = null; // its next SELECT only
            pause.paused.countDown();
            try {
                pause.released.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        release();
        jdbc.sql("DROP TRIGGER IF EXISTS " + trigger).update();
        ARMED.remove(trigger);
    }
}
