package io.connectify.hub.ops;

import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The embedded H2 database's housekeeping ({@link EmbeddedDatabaseHousekeeping}, route ops-database-housekeeping,
 * which reads the values as placeholders): bound here so that a value the hub cannot work with stops the start.
 * {@code compactInterval}: the route's timer period (0 ran it once); {@code compactFillRate}: the live share in
 * percent below which a chunk of the file is rewritten.
 */
@ConfigurationProperties("connectify.database")
public record DatabaseProperties(Duration compactInterval, int compactFillRate) {

    public DatabaseProperties {
        PropertyChecks.positive("connectify.database.compact-interval", compactInterval, PropertyChecks.TIMER);
    }
}
