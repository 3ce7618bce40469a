package io.connectify.hub.ops;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The shared database's clock, for times the instances write and compare with each other's: one clock for all of
 * them, where each instance's own could run ahead of another's. Each reading asks the database
 * ({@code SELECT CURRENT_TIMESTAMP}, the same on PostgreSQL and H2), so it can fail as any statement does.
 */
public final class DatabaseClock extends Clock {

    private final JdbcClient jdbc;

    public DatabaseClock(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Instant instant() {
        return jdbc.sql("SELECT CURRENT_TIMESTAMP").query(OffsetDateTime.class).single().toInstant();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** Its instants are the database's whatever the zone; only UTC is offered. */
    @Override
    public Clock withZone(ZoneId zone) {
        if (!ZoneOffset.UTC.equals(zone)) {
            throw new UnsupportedOperationException("The database clock is in UTC, not " + zone);
        }
        return this;
    }
}
