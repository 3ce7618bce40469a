package io.connectify.hub.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.api.Trigger;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A database failure injected in the middle of a step (H2, the tests' database): the next update of one row that
 * changes one column fails, once, as a lost connection or a full disk would fail it; the step's transaction rolls back
 * and its event is redelivered. An H2 trigger, dropped again by {@link Armed#close}.
 */
public final class FailingUpdate implements Trigger {

    private static final AtomicInteger TRIGGERS = new AtomicInteger();
    private static final Map<String, Armed> ARMED = new ConcurrentHashMap<>();

    private Armed armed;
    private int idColumn = -1;
    private int changedColumn = -1;

    /** Fails, once, the next update of the row of {@code table} whose id is {@code id} that changes {@code column}. */
    public static Armed once(JdbcClient jdbc, String table, String id, String column) {
        String name = "FAIL_ONCE_" + TRIGGERS.incrementAndGet();
        Armed armed = new Armed(jdbc, name, id, column);
        ARMED.put(name, armed);
        jdbc.sql("CREATE TRIGGER " + name + " BEFORE UPDATE ON " + table + " FOR EACH ROW CALL '"
                + FailingUpdate.class.getName() + "'").update();
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
                if (name.equalsIgnoreCase("id")) {
                    idColumn = index;
                } else if (name.equalsIgnoreCase(armed.column)) {
                    changedColumn = index;
                }
            }
        }
        if (idColumn < 0 || changedColumn < 0) {
            throw new SQLException("no column id or " + armed.column + " in " + table);
        }
    }

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
        if (armed.id.equals(newRow[idColumn]) && !Objects.equals(oldRow[changedColumn], newRow[changedColumn])
                && armed.failed.compareAndSet(false, true)) {
            throw new SQLException("the update of " + armed.column + " failed (injected once)");
        }
    }

    /** A failure armed: whether it happened; closing drops its trigger. */
    public static final class Armed implements AutoCloseable {

        private final JdbcClient jdbc;
        private final String trigger;
        private final String id;
        private final String column;
        private final AtomicBoolean failed = new AtomicBoolean();

        private Armed(JdbcClient jdbc, String trigger, String id, String column) {
            this.jdbc = jdbc;
            this.trigger = trigger;
            this.id = id;
            this.column = column;
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
