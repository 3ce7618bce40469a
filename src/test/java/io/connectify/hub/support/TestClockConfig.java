package io.connectify.hub.support;

import java.time.Clock;
import java.time.Instant;

import javax.sql.DataSource;

import io.connectify.hub.booking.BookingClock;
import io.connectify.hub.booking.BookingClockConfig;
import io.connectify.hub.ops.DeadLetterClockConfig;
import io.connectify.hub.web.IdempotencyClaimClockConfig;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

@TestConfiguration(proxyBeanMethods = false)
public class TestClockConfig {

    /** Monday 2026-11-30 08:00 in Zurich: Tuesday 2026-12-01 is fully bookable. */
    public static final Instant NOW = Instant.parse("2026-11-30T07:00:00Z");
    /** The qualifier of the bookings' clock's readings ({@link #bookingClockReadings}), which a test counts. */
    public static final String BOOKING_READINGS = "bookingClockReadings";

    /**
     * Also the Idempotency-Key claims' clock and, through {@link #bookingTestClock}, the bookings' clock, both the
     * database's in the hub (IdempotencyClaimClockConfig, BookingClockConfig), so that a test expires a claim or a
     * hold by advancing it; IdempotencyClaimClockSkewTest, IdempotencyClaimRenewalTest (withNoRequestRunning...) and
     * BookingHoldClockSkewTest run the database's.
     */
    @Bean
    @Primary
    @Qualifier(IdempotencyClaimClockConfig.NAME)
    MutableClock testClock() {
        return new MutableClock(NOW);
    }

    /**
     * The dead letters' clock, the database's in the hub (DeadLetterClockConfig): the test clock, so that a test
     * makes a letter due, or its replay overdue, by advancing it; DeadLetterClockSkewTest runs the database's.
     */
    @Bean(defaultCandidate = false)
    @Primary
    @Qualifier(DeadLetterClockConfig.NAME)
    Clock deadLetterTestClock(MutableClock testClock) {
        return testClock;
    }

    /**
     * The bookings' clock: the test clock's time read once per transaction as the hub's database clock is
     * (BookingClockConfig), its readings counted ({@link #bookingClockReadings}). Only where a bean asks for it, as
     * the hub's.
     */
    @Bean(defaultCandidate = false)
    @Primary
    @BookingClock
    Clock bookingTestClock(@Qualifier(BOOKING_READINGS) CountingClock readings, DataSource dataSource) {
        return BookingClockConfig.perTransaction(readings, dataSource);
    }

    /**
     * The readings of the bookings' clock, each a statement in the hub, counted apart from the hub's other clock
     * users' (the integration audit's, say): the test clock's time.
     */
    @Bean(defaultCandidate = false)
    @Qualifier(BOOKING_READINGS)
    CountingClock bookingClockReadings(MutableClock testClock) {
        return new CountingClock(testClock);
    }
}
