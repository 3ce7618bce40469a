package io.connectify.hub.support;

import java.nio.file.Path;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * The two databases the hub runs on, for a test run on each ({@code @ParameterizedTest @EnumSource}): H2 and
 * PostgreSQL, the latter an {@link EmbeddedPostgresDatabase} of the test class's own. Each has the hub's schema
 * (Flyway) once a hub has started on it.
 */
public enum Database {
    H2, POSTGRESQL;

    /** application.yaml's default database, the H2 file, in {@code directory} (a test's own). */
    public static String h2File(Path directory) {
        return "jdbc:h2:file:retry:" + directory.resolve("connectify") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
    }

    /** Its superuser's URL: on H2 {@code h2} (a file or in memory, as the test needs), else the class's server's. */
    public String url(String h2, EmbeddedPostgresDatabase postgres) {
        return switch (this) {
            case H2 -> h2;
            case POSTGRESQL -> postgres.jdbcUrl();
        };
    }

    /** Its superuser: the hub's pool's and the test's own connections'. */
    public String user() {
        return this == H2 ? "sa" : "postgres";
    }

    /** Connections of the test's own, not the hub's pool (so without connectify.database.lock-timeout). */
    public DataSource dataSource(String h2, EmbeddedPostgresDatabase postgres) {
        return this == H2 ? new SimpleDriverDataSource(new org.h2.Driver(), h2, user(), "") : postgres.dataSource();
    }
}
