package io.connectify.hub.support;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An embedded PostgreSQL of one test class's own, started before its first test and closed after its last:
 * {@code @RegisterExtension static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();}.
 * Each class its own server, so no test sees another's rows or schema.
 */
public final class EmbeddedPostgresDatabase implements BeforeAllCallback, AfterAllCallback {

    private EmbeddedPostgres postgres;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        postgres = EmbeddedPostgres.builder().start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        postgres.close();
    }

    /** The superuser's URL of the database "postgres". */
    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    /** The server's port on loopback (for a proxy in front of it, say). */
    public int port() {
        return postgres.getPort();
    }

    /** The superuser's connections to the database "postgres". */
    public DataSource dataSource() {
        return postgres.getPostgresDatabase();
    }

    /** {@code user}'s connections to the database {@code name}. */
    public DataSource database(String user, String name) {
        return postgres.getDatabase(user, name);
    }
}
