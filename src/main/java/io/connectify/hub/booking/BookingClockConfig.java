package io.connectify.hub.booking;

import java.time.Clock;

import io.connectify.hub.ops.DatabaseClock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The bookings' clock ({@link BookingClock}): the shared database's, since instances judge the holds other instances
 * wrote. With each instance's own clock, one running 40 s ahead of another reserved a slot whose hold the other had
 * made 40 s "early", and its expiry sweep expired a booking whose customer was still paying within the hold they were
 * shown. Not a default candidate: only the booking beans ask for it, and the hub's {@code Clock} stays the one every
 * other bean gets.
 */
@Configuration(proxyBeanMethods = false)
public class BookingClockConfig {

    @Bean(defaultCandidate = false)
    @BookingClock
    Clock bookingClock(JdbcClient jdbc) {
        return new DatabaseClock(jdbc);
    }
}
