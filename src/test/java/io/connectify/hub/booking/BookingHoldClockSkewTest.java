package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import java.nio.file.Path;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.UUID;

import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.ops.DatabaseClock;
import io.connectify.hub.payment.PaymentPages;
import io.connectify.hub.payment.PaymentProperties;
import io.connectify.hub.resilience.BookingConflictException;
import io.connectify.hub.support.Database;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.connectify.hub.support.SkewedInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two instances sharing the bookings, one with a clock 2 minutes ahead (a hold lasts
 * connectify.booking.hold, here 1 minute): the instance ahead neither expires nor takes a slot whose hold still runs
 * by the database's clock, and a hold it makes runs for the hold by the database's clock. On both databases the hub
 * runs on.
 * <p>
 * Each instance is the hub's booking beans as the hub scans them, with the hub's {@code Clock} (the one every other
 * bean reads) off by the skew; Google Calendar (all free) and the payment pages are stand-ins. Before the bookings'
 * times were the database's, each instance wrote and judged holds with that clock: the instance ahead found a hold
 * made a moment ago by the other already run out, so its sweep expired the booking while its customer was still
 * paying within the hold they were shown, and it reserved the held slot a second time.
 */
class BookingHoldClockSkewTest {

    private static final Duration SKEW = Duration.ofMinutes(2);
    private static final Duration HOLD = Duration.ofMinutes(1);
    private static final ZoneId ZONE = ZoneId.of("Europe/Zurich"); // application.yaml's working hours' zone
    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    @TempDir
    static Path h2Directory;

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void anInstanceWhoseClockRunsAheadDoesNotExpireAHoldThatStillRunsByTheDatabasesClock(Database database) {
        instance(database, Duration.ZERO).run(other -> instance(database, SKEW).run(ahead -> {
            Booking held = other.getBean(BookingService.class).create(request(slot(13)));
            // one whose hold ran out a second ago by the database's clock: the sweep does run
            Booking ranOut = insertedWithHoldUntil(other, slot(15), databaseNow(other).minusSeconds(1));

            ahead.getBean(BookingService.class).expireHolds(null); // no run of the singleton route: no lease to check

            BookingService bookings = other.getBean(BookingService.class);
            assertThat(bookings.get(held.id()).status()).as("its customer still pays within the hold")
                    .isEqualTo(BookingStatus.PENDING_PAYMENT);
            assertThat(bookings.get(ranOut.id()).status()).isEqualTo(BookingStatus.EXPIRED);
        }));
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aReservationThroughAnInstanceWhoseClockRunsAheadDoesNotTakeASlotWhoseHoldStillRuns(Database database) {
        instance(database, Duration.ZERO).run(other -> instance(database, SKEW).run(ahead -> {
            OffsetDateTime slot = slot(10);
            Booking held = other.getBean(BookingService.class).create(request(slot));

            assertThatThrownBy(() -> ahead.getBean(BookingService.class).create(request(slot)))
                    .isInstanceOf(BookingConflictException.class);

            assertThat(other.getBean(BookingService.class).list(slot.toInstant(),
                    slot.toInstant().plus(Duration.ofMinutes(30)), null, null, 10))
                    .extracting(Booking::id).as("the slot's bookings").containsExactly(held.id());
        }));
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aHoldMadeThroughAnInstanceWhoseClockRunsAheadRunsForTheHoldByTheDatabasesClock(Database database) {
        instance(database, SKEW).run(ahead -> {
            Instant before = databaseNow(ahead).truncatedTo(ChronoUnit.SECONDS);
            Booking made = ahead.getBean(BookingService.class).create(request(slot(16)));
            Instant after = databaseNow(ahead);

            assertThat(made.holdExpiresAt()).as("the hold shown to the caller")
                    .isBetween(before.plus(HOLD), after.plus(HOLD));
            assertThat(ahead.getBean(BookingService.class).get(made.id()).holdExpiresAt()).as("the hold stored")
                    .isEqualTo(made.holdExpiresAt());
        });
    }

    /** {@code hour}:00 in Zurich on the next Wednesday at least two days ahead: in working hours, on the slot grid. */
    private static OffsetDateTime slot(int hour) {
        LocalDate day = LocalDate.now(ZONE).plusDays(2).with(TemporalAdjusters.nextOrSame(DayOfWeek.WEDNESDAY));
        return day.atTime(LocalTime.of(hour, 0)).atZone(ZONE).toOffsetDateTime();
    }

    private static BookingRequest request(OffsetDateTime start) {
        return new BookingRequest(Rfc3339.format(start), 30,
                new Customer("Jane Doe", "jane@example.com", "+41791234567", "de", null), null, null, "stripe");
    }

    private static Booking insertedWithHoldUntil(AssertableApplicationContext instance, OffsetDateTime start,
                                                 Instant holdExpiresAt) {
        Price price = instance.getBean(PriceTable.class).priceFor(30);
        Booking booking = Booking.pending(UUID.randomUUID().toString(), start, start.plusMinutes(30), price,
                new Customer("John Doe", "john@example.com", "+41791234568", "de", ZONE.getId()), "Consultation",
                null, "stripe", holdExpiresAt, holdExpiresAt.minus(HOLD));
        instance.getBean(BookingRepository.class).insert(booking, holdExpiresAt.minus(HOLD));
        return booking;
    }

    private static Instant databaseNow(AssertableApplicationContext instance) {
        return new DatabaseClock(instance.getBean(JdbcClient.class)).instant();
    }

    private static ApplicationContextRunner instance(Database database, Duration skew) {
        return SkewedInstance.on(database, h2Directory, postgres, skew, BookingBeans.class)
                .withBean(GoogleCalendarGateway.class, () -> mock(GoogleCalendarGateway.class))
                .withBean(PaymentPages.class, () -> mock(PaymentPages.class))
                .withPropertyValues("connectify.booking.hold=" + HOLD.toSeconds() + "s");
    }

    /** The booking beans that reserve and sweep, as the hub's component scan finds them. */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({AvailabilityProperties.class, BookingProperties.class, PricingProperties.class,
            PaymentProperties.class})
    @ComponentScan(basePackages = "io.connectify.hub", useDefaultFilters = false,
            includeFilters = @ComponentScan.Filter(type = FilterType.REGEX, pattern = "io\\.connectify\\.hub\\."
                    + "(DatabaseTransactions|booking\\.(BookingService|AvailabilityService|BookingRepository"
                    + "|BookingConfig|BookingClockConfig))"))
    static class BookingBeans {
    }
}
