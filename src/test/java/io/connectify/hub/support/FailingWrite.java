package io.connectify.hub.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.api.Trigger;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A database failure injected into one write (H2, the tests' database), once, as a lost connection or a full disk
 * would fail it: the next update of one row that changes one column ({@link #updateOnce}: the step's transaction rolls
 * back and its event is redelivered; {@link #updateTimes}: every try, its event dead-lettered), or the next insert of a
 * row whose column holds a value ({@link #insertOnce}). An H2 trigger, dropped again by {@link Armed#close}.
 */
public final class FailingWrite implements Trigger {

    private static final AtomicInteger TRIGGERS = new AtomicInteger();
    private static final Map<String, Armed> ARMED = new ConcurrentHashMap<>();

    private Armed armed;
    private int matchedColumn = -1;
    private int changedColumn = -1;

    /** Fails, once, the next update of the row of {@code table} whose id is {@code id} that changes {@code column}. */
    public static Armed updateOnce(JdbcClient jdbc, String table, String id, String column) {
        return updateTimes(jdbc, table, id, column, 1);
    }

    /**
     * {@link #updateOnce}, the row matched by {@code matched} = {@code value} rather than by its id (one whose id the
     * test does not know).
     */
    public static Armed updateOnceWhere(JdbcClient jdbc, String table, String matched, String value, String column) {
        return arm(jdbc, table, "UPDATE", matched, value, column, 1);
    }

    /**
     * {@link #updateOnce}, for the next {@code times} such updates: every try of a step (its redeliveries in place
     * included), so that its event ends as a dead letter.
     */
    public static Armed updateTimes(JdbcClient jdbc, String table, String id, String column, int times) {
        return arm(jdbc, table, "UPDATE", "id", id, column, times);
    }

    /** Fails, once, the next insert into {@code table} of a row whose {@code column} is {@code value}. */
    public static Armed insertOnce(JdbcClient jdbc, String table, String column, String value) {
        return arm(jdbc, table, "INSERT", column, value, null, 1);
    }

    /** {@link #insertOnce}, for the next {@code times} such inserts: every try, so that its event is dead-lettered. */
    public static Armed insertTimes(JdbcClient jdbc, String table, String column, String value, int times) {
        return arm(jdbc, table, "INSERT", column, value, null, times);
    }

    private static Armed arm(JdbcClient jdbc, String table, String operation, String matched, String value,
                             String changed, int times) {
        Armed armed = new Armed(jdbc, "FAIL_ONCE_" + TRIGGERS.incrementAndGet(), operation, matched, value, changed,
                times);
        ARMED.put(armed.trigger, armed);
        jdbc.sql("CREATE TRIGGER " + armed.trigger + " BEFORE " + operation + " ON " + table + " FOR EACH ROW CALL '"
                + FailingWrite.class.getName() + "'").update();
        return armed;
    }

    @Override
    public void init(Connection connection, String schema, String trigger, String table, boolean before, int type)
            throws SQLException {
        armed = ARMED.get(trigger);
        try (ResultSet columns = connection.getMetaData().getColumns(null, schema, table, null)) {
            while (columns.next()) {
                int index = columns.getInt("ORDINAL_POSITION") - 1;
                String name = columns.getString("COLUMN_NAME");
                if (name.equalsIgnoreCase(armed.matched)) {
                    matchedColumn = index;
                } else if (name.equalsIgnoreCase(armed.changed)) {
                    changedColumn = index;
                }
            }
        }
        if (matchedColumn < 0 || armed.changed != null && changedColumn < 0) {
            throw new SQLException("no column " + armed.matched + " or " + armed.changed + " in " + table);
        }
    }

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
        if (armed.value.equals(newRow[matchedColumn])
                && (armed.changed == null || !Objects.equals(oldRow[changedColumn], newRow[changedColumn]))
                && armed.failures.getAndUpdate(n -> n < armed.times ? n + 1 : n) < armed.times) {
            throw new SQLException("the " + armed.operation.toLowerCase() + " of "
                    + (armed.changed != null ? armed.changed : armed.value) + " failed (injected)");
        }
    }

    /** A failure armed: whether (how often) it happened; closing drops its trigger. */
    public static final class Armed implements AutoCloseable {

        private final JdbcClient jdbc;
        private final String trigger;
        private final String operation;
        private final String matched;
        private final String value;
        private final String changed;
        private final int times;
        private final AtomicInteger failures = new AtomicInteger();

        private Armed(JdbcClient jdbc, String trigger, String operation, String matched, String value,
                      String changed, int times) {
            this.jdbc = jdbc;
            this.trigger = trigger;
            this.operation = operation;
            this.matched = matched;
            this.value = value;
            this.changed = changed;
            this.times = times;
        }

        public boolean failed() {
            return failures.get() > 0;
        }

        /** How many writes it failed. */
        public int failures() {
            return failures.get();
        }

        @Override
        public void close() {
            jdbc.sql("DROP TRIGGER IF EXISTS " + trigger).update();
            ARMED.remove(trigger);
        }
    }
}
