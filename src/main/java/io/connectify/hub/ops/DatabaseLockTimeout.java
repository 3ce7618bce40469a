package io.connectify.hub.ops;

import java.time.Duration;

import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.jdbc.DatabaseDriver;
import org.springframework.stereotype.Component;

/**
 * Sets {@code connectify.database.lock-timeout} on every connection of the hub's pool as the pool opens it
 * (HikariCP's {@code connectionInitSql}), on H2 and on PostgreSQL alike. A statement that waits longer for a row
 * another transaction holds ({@code SELECT ... FOR UPDATE}, an UPDATE, an INSERT meeting an uncommitted key) fails,
 * and {@link io.connectify.hub.resilience.DatabaseBusy} takes that as passing: 409 "ask again" to an HTTP caller, a
 * redelivery to a queue consumer, the next tick to a sweep. PostgreSQL's own default is to wait for ever, so one stuck
 * transaction held a request thread for every request that wanted its row; H2's is 2 s, the property's default.
 * <p>
 * Flyway migrates through this pool, and a migration waits for a table's lock no longer than any other statement:
 * deliberately. PostgreSQL queues every later statement on that table behind a waiting ALTER TABLE, so a migration
 * waiting for ever on an older instance's stuck transaction would stop that instance's work on the table too. Given
 * up, the migration's transaction rolls back whole (PostgreSQL's DDL is transactional; Flyway records nothing), the
 * start fails naming the lock, and a restart tries again. Flyway's lock against another instance migrating at the
 * same moment is an advisory lock it polls for, which this timeout does not cut short. Flyway on connections of its
 * own ({@code spring.flyway.url} or {@code user}) gets the same timeout from {@link FlywayLockTimeout}.
 * <p>
 * Decided by the pool's JDBC URL when the DataSource bean is made, not by a profile or a condition: Spring AOT's bean
 * definitions (made at build time, for the default profile) contain this whatever database a start configures.
 */
@Component
public class DatabaseLockTimeout implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(DatabaseLockTimeout.class);

    // looked up once the pool is made, so that this post-processor does not make the properties bean before
    // Spring's binding post-processor is in place
    private final ObjectProvider<DatabaseProperties> properties;

    public DatabaseLockTimeout(ObjectProvider<DatabaseProperties> properties) {
        this.properties = properties;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource pool) {
            apply(pool, properties.getObject().lockTimeout());
        }
        return bean;
    }

    /** Before the pool opens its first connection; an init SQL the operator set runs after this one's. */
    static void apply(HikariDataSource pool, Duration lockTimeout) {
        DatabaseDriver database = DatabaseDriver.fromJdbcUrl(pool.getJdbcUrl());
        String set = statement(database, lockTimeout.toMillis());
        if (set == null) {
            // the database by name only: a JDBC URL may carry a password
            log.warn("connectify.database.lock-timeout is not applied to pool {}: its database ({}) is neither H2 nor "
                    + "PostgreSQL, and keeps its own lock timeout", pool.getPoolName(), database);
            return;
        }
        pool.setConnectionInitSql(first(set, pool.getConnectionInitSql()));
    }

    /** An init SQL that sets the lock timeout first, then runs the operator's own (if any). */
    static String first(String set, String operators) {
        return operators == null || operators.isBlank() ? set : set + ";\n" + operators;
    }

    /** The statement that sets a session's lock timeout, or null for a database the hub does not run on. */
    static String statement(DatabaseDriver database, long millis) {
        return switch (database) {
            case POSTGRESQL -> "SET lock_timeout = '" + millis + "ms'";
            case H2 -> "SET LOCK_TIMEOUT " + millis;
            default -> null;
        };
    }
}
