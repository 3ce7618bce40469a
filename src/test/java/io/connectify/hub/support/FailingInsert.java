package io.connectify.hub.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.api.Trigger;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A database failure injected into an insert (H2, the tests' database): the next insert into a table of a row whose
 * column holds a value fails, once, as a lost connection or a full disk would fail it. An H2 trigger, dropped again by
 * {@link Armed#close}; the sibling of {@link FailingUpdate}.
 */
public final class FailingInsert implements Trigger {

    private static final AtomicInteger TRIGGERS = new AtomicInteger();
    private static final Map<String, Armed> ARMED = new ConcurrentHashMap<>();

    private Armed armed;
    private int column = -1;

    /** Fails, once, the next insert into {@code table} of a row whose {@code column} is {@code value}. */
    public static Armed once(JdbcClient jdbc, String table, String column, String value) {
        String name = "FAIL_INSERT_ONCE_" + TRIGGERS.incrementAndGet();
        Armed armed = new Armed(jdbc, name, column, value);
        ARMED.put(name, armed);
        jdbc.sql("CREATE TRIGGER " + name + " BEFORE INSERT ON " + table + " FOR EACH ROW CALL '"
                + FailingInsert.class.getName() + "'").update();
        return armed;
    }

    @Override
    public void init(Connection connection, String schema, String trigger, String table, boolean before, int type)
            throws SQLException {
        armed = ARMED.get(trigger);
        try (ResultSet columns = connection.getMetaData().getColumns(null, schema, table, null)) {
            while (columns.next()) {
                if (columns.getString("COLUMN_NAME").equalsIgnoreCase(armed.column)) {
                    column = columns.getInt("ORDINAL_POSITION") - 1;
                }
            }
        }
        if (column < 0) {
            throw new SQLException("no column " + armed.column + " in " + table);
        }
    }

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
        if (armed.value.equals(newRow[column]) && armed.failed.compareAndSet(false, true)) {
            throw new SQLException("the insert of " + armed.value + " failed (injected once)");
        }
    }

    /** A failure armed: whether it happened; closing drops its trigger. */
    public static final class Armed implements AutoCloseable {

        private final JdbcClient jdbc;
        private final String trigger;
        private final String column;
        private final String value;
        private final AtomicBoolean failed = new AtomicBoolean();

        private Armed(JdbcClient jdbc, String trigger, String column, String value) {
            this.jdbc = jdbc;
            this.trigger = trigger;
            this.column = column;
            this.value = value;
        }

        public boolean failed() {
            return failed.get();
        }

        @Override
        public void close() {
            jdbc.sql("DROP TRIGGER IF EXISTS " + trigger).update();
            ARMED.remove(trigger);
        }
    }
}
