package io.connectify.hub.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An embedded PostgreSQL database of one test class's own, created before its first test and dropped after its last:
 * {@code @RegisterExtension static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();}.
 * Each class its own database, so no test sees another's rows or schema; the classes share one server, started by
 * the first and stopped when the test JVM exits (a server of each class's own cost one to two seconds of initdb and
 * start per class, half a minute of the suite). The classes run one after the other: the databases a class leaves
 * (its own, those it created) are dropped with their connections, so the next one sees no backend, lock or waiter of
 * another's on the server's views (pg_stat_activity, pg_locks).
 */
public final class EmbeddedPostgresDatabase implements BeforeAllCallback, AfterAllCallback {

    private static final AtomicInteger CLASSES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private EmbeddedPostgres postgres;
    private String name;
    private List<String> databasesBefore;

    /**
     * The JVM's server, started at the first call; zonky's shutdown hook stops it. Without fsync: each CREATE and DROP
     * DATABASE makes a checkpoint, which need not reach the disk of a server whose data ends with the run.
     */
    private static synchronized EmbeddedPostgres server() throws java.io.IOException {
        if (server == null) {
            server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
        }
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        postgres = server();
        name = "class_" + CLASSES.incrementAndGet();
        databasesBefore = databases();
        admin("CREATE DATABASE " + name);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        for (String left : databases()) {
            if (!databasesBefore.contains(left)) {
                admin("DROP DATABASE \"" + left + "\" WITH (FORCE)");
            }
        }
    }

    private List<String> databases() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             var rows = connection.createStatement().executeQuery("SELECT datname FROM pg_database")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }

    private void admin(String statement) throws SQLException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection()) {
            connection.createStatement().execute(statement);
        }
    }

    /** The class's database's name (in a URL of a connection of the test's own, a proxy's say). */
    public String name() {
        return name;
    }

    /** The superuser's URL of the class's database. */
    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", name);
    }

    /** The server's port on loopback (for a proxy in front of it, say). */
    public int port() {
        return postgres.getPort();
    }

    /** The superuser's connections to the class's database. */
    public DataSource dataSource() {
        return postgres.getDatabase("postgres", name);
    }

    /** {@code user}'s connections to the database {@code name}. */
    public DataSource database(String user, String name) {
        return postgres.getDatabase(user, name);
    }
}
