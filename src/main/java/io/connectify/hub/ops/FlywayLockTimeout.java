package io.connectify.hub.ops;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.flyway.FlywayConfigurationCustomizer;
import org.springframework.boot.jdbc.DatabaseDriver;
import org.springframework.jdbc.datasource.AbstractDriverBasedDataSource;
import org.springframework.stereotype.Component;

/**
 * {@code connectify.database.lock-timeout} on Flyway's connections when they are its own: given
 * {@code spring.flyway.url} or {@code user}, Spring Boot opens them through a DataSource of Flyway's (a
 * SimpleDriverDataSource, no bean), which {@link DatabaseLockTimeout} never sees, and on PostgreSQL a migration
 * waited for a held table for ever. Flyway runs its init SQL on every connection it opens: the lock timeout first,
 * an operator's {@code spring.flyway.init-sqls} after it. A migration given up so fails the start, as on the pool.
 */
@Component
public class FlywayLockTimeout implements FlywayConfigurationCustomizer {

    private static final Logger log = LoggerFactory.getLogger(FlywayLockTimeout.class);

    private final DatabaseProperties properties;

    public FlywayLockTimeout(DatabaseProperties properties) {
        this.properties = properties;
    }

    @Override
    public void customize(FluentConfiguration configuration) {
        DataSource migrations = configuration.getDataSource();
        if (migrations instanceof HikariDataSource) {
            return; // the hub's pool, or a pool bean of Flyway's: DatabaseLockTimeout sets it on every connection
        }
        String url = migrations instanceof AbstractDriverBasedDataSource own ? own.getUrl() : null;
        DatabaseDriver database = url == null ? DatabaseDriver.UNKNOWN : DatabaseDriver.fromJdbcUrl(url);
        String set = DatabaseLockTimeout.statement(database, properties.lockTimeout().toMillis());
        if (set == null) {
            // the database by name only: a JDBC URL may carry a password
            log.warn("connectify.database.lock-timeout is not applied to Flyway's own connections: their database "
                    + "({}) is neither H2 nor PostgreSQL, and keeps its own lock timeout", database);
            return;
        }
        configuration.initSql(DatabaseLockTimeout.first(set, configuration.getInitSql()));
    }
}
