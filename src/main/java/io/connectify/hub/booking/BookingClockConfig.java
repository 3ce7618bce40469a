package io.connectify.hub.booking;

import java.time.Clock;

import javax.sql.DataSource;

import io.connectify.hub.ops.DatabaseClock;
import io.connectify.hub.ops.TransactionTimeClock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The bookings' clock ({@link BookingClock}): the shared database's, since instances judge the holds other instances
 * wrote. With each instance's own clock, one running 40 s ahead of another reserved a slot whose hold the other had
 * made 40 s "early", and its expiry sweep expired a booking whose customer was still paying within the hold they were
 * shown. Not a default candidate: only the booking beans ask for it, and the hub's {@code Clock} stays the one every
 * other bean gets. Each reading is a statement: read once per database transaction ({@link #perTransaction}), where
 * the database answers its start however often it is asked; the beans read it once per unit of work besides, and
 * again only after a slow provider call.
 */
@Configuration(proxyBeanMethods = false)
public class BookingClockConfig {

    @Bean(defaultCandidate = false)
    @BookingClock
    Clock bookingClock(JdbcClient jdbc, DataSource dataSource) {
        return perTransaction(new DatabaseClock(jdbc), dataSource);
    }

    /** {@code database}, the database's time, read once per transaction (the tests' counted clock too). */
    public static Clock perTransaction(Clock database, DataSource dataSource) {
        return new TransactionTimeClock(database, dataSource);
    }
}
