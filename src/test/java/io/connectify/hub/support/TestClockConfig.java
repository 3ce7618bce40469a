package io.connectify.hub.support;

import java.time.Instant;

import io.connectify.hub.booking.BookingClock;
import io.connectify.hub.web.IdempotencyClaimClockConfig;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

@TestConfiguration(proxyBeanMethods = false)
public class TestClockConfig {

    /** Monday 2026-11-30 08:00 in Zurich: Tuesday 2026-12-01 is fully bookable. */
    public static final Instant NOW = Instant.parse("2026-11-30T07:00:00Z");

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
     * The bookings' clock: the test clock's time, its readings counted apart from the hub's other clock users' (the
     * integration audit's, say), as each is a statement in the hub. Only where a bean asks for it, as the hub's.
     */
    @Bean(defaultCandidate = false)
    @Primary
    @BookingClock
    CountingClock bookingTestClock(MutableClock testClock) {
        return new CountingClock(testClock);
    }
}
