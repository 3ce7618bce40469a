package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hold extended for a delayed payment processing, on PostgreSQL: the booking's own payment page expiring leaves it
 * held, and a failed payment brings it back to a hold from the failure (the statements' timestamp parameters typed as
 * PostgreSQL takes them, as H2 does in the webhook tests).
 */
class PostgresProcessingHoldTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static final Instant MADE = Instant.parse("2026-11-30T07:00:00Z");
    /** The hold the bookings are made with: 15 minutes. */
    private static final Instant MADE_HOLD_END = MADE.plus(Duration.ofMinutes(15));
    /** A processing payment's hold: until the appointment's start. */
    private static final Instant PROCESSING_HOLD_END = Instant.parse("2026-12-20T08:00:00Z");

    private static BookingRepository bookings;

    @BeforeAll
    static void migrate() {
        bookings = PostgresRepositories.migrated(postgres, BookingRepository::new);
    }

    @Test
    void theOwnPageExpiringReleasesOnlyABookingHeldAsItWasMadeOnPostgres() {
        String made = pending("7a1c7d0e-0000-4000-8000-0000000000b1", "2026-12-17T08:00:00Z");
        String processing = pending("7a1c7d0e-0000-4000-8000-0000000000b2", "2026-12-18T08:00:00Z");
        Instant later = MADE.plus(Duration.ofMinutes(5));
        assertThat(bookings.extendHold(processing, PROCESSING_HOLD_END, "the payment is processing", later)).isTrue();
        Instant pageExpired = MADE.plus(Duration.ofMinutes(36));

        assertThat(bookings.expireUnlessHeldLonger(made, MADE_HOLD_END, "the payment page expired", pageExpired))
                .isTrue();
        assertThat(bookings.expireUnlessHeldLonger(processing, MADE_HOLD_END, "the payment page expired",
                pageExpired)).isFalse();

        assertThat(bookings.find(made).orElseThrow().status()).isEqualTo(BookingStatus.EXPIRED);
        assertThat(bookings.find(processing).orElseThrow()).extracting(Booking::status, Booking::holdExpiresAt)
                .containsExactly(BookingStatus.PENDING_PAYMENT, PROCESSING_HOLD_END);
    }

    /** A pending Stripe booking made at {@link #MADE}, its hold ending at {@link #MADE_HOLD_END}. */
    private static String pending(String id, String startUtc) {
        var zone = TestAvailability.HOURS.timeZone();
        Instant start = Instant.parse(startUtc);
        Booking booking = new Booking(id, BookingStatus.PENDING_PAYMENT, start.atZone(zone).toOffsetDateTime(),
                start.plus(Duration.ofHours(1)).atZone(zone).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("Jane Roe", "jane@example.com", null, "de", "Europe/Zurich"), "Consultation", null,
                "stripe", null, null, MADE_HOLD_END, MADE, "cs_test_" + id.substring(id.length() - 2), null, null);
        bookings.withSlotLock(() -> {
            bookings.insert(booking, MADE);
            return null;
        });
        return id;
    }
}
