package io.connectify.hub.ops;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The database's settings the hub applies itself: bound here so that a value the hub cannot work with stops the
 * start. {@code lockTimeout}: how long a statement waits for a row another transaction holds, on every pooled
 * connection ({@link DatabaseLockTimeout}); it is given to the database in whole milliseconds, and 0 would mean "wait
 * for ever" on both H2 and PostgreSQL. The embedded H2 database's housekeeping ({@link EmbeddedDatabaseHousekeeping},
 * route ops-database-housekeeping, which reads the values as placeholders): {@code compactInterval}, the route's
 * timer period (0 ran it once); {@code compactFillRate}, the live share in percent below which a chunk of the file
 * is rewritten.
 */
@ConfigurationProperties("connectify.database")
public record DatabaseProperties(Duration lockTimeout, Duration compactInterval, int compactFillRate) {

    /** Both databases take the lock timeout as a 32-bit count of milliseconds. */
    private static final Duration LONGEST_LOCK_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);

    public DatabaseProperties {
        PropertyChecks.positive("connectify.database.lock-timeout", lockTimeout,
                "0 would wait for a held row for ever");
        if (lockTimeout.compareTo(Duration.ofMillis(1)) < 0 || lockTimeout.compareTo(LONGEST_LOCK_TIMEOUT) > 0) {
            throw ConfigurationError.invalid("connectify.database.lock-timeout must be from 1ms to "
                    + LONGEST_LOCK_TIMEOUT.toDays() + "d (the database takes whole milliseconds), not " + lockTimeout);
        }
        PropertyChecks.positive("connectify.database.compact-interval", compactInterval, PropertyChecks.TIMER);
    }
}
