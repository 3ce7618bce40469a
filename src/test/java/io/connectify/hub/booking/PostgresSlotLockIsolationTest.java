package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;

import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.connectify.hub.payment.PaymentPages;
import io.connectify.hub.payment.PaymentProperties;
import io.connectify.hub.resilience.BookingConflictException;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The slot lock on a PostgreSQL whose default isolation a DBA set to REPEATABLE READ
 * ({@code default_transaction_isolation}): the check under the lock must read what the lock's last holder committed,
 * whatever the database's default. The interleaving forced: the second reservation starts, and waits for the lock,
 * while the first holds it with its booking inserted but not committed.
 */
class PostgresSlotLockIsolationTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static final ZoneId ZURICH = ZoneId.of("Europe/Zurich");
    private static final Instant NOW = Instant.parse("2026-11-30T07:00:00Z");
    private static final String SLOT = "2026-12-02T09:00:00+01:00";

    private static JdbcClient jdbc;
    private static InsertHookedRepository bookings;

    @BeforeAll
    static void migrate() {
        jdbc = JdbcClient.create(postgres.dataSource());
        // a DBA's choice, for every connection opened from now on
        jdbc.sql("ALTER DATABASE " + postgres.name() + " SET default_transaction_isolation = 'repeatable read'").update();
        bookings = PostgresRepositories.migrated(postgres, InsertHookedRepository::new);
    }

    /** Before, the second reservation, its snapshot taken as it began to wait, found the slot free: both booked. */
    @Test
    void twoReservationsOfOneSlotBookItOnceOnADatabaseDefaultingToRepeatableRead() throws Exception {
        assertThat(jdbc.sql("SHOW default_transaction_isolation").query(String.class).single())
                .isEqualTo("repeatable read");
        BookingService service = service();
        var second = new AtomicReference<CompletableFuture<String>>();
        bookings.afterNextInsert.set(() -> {
            // the first holds the slot lock, its booking inserted, not yet committed: the second begins and waits
            second.set(CompletableFuture.supplyAsync(() -> reserve(service, "Jane Roe")));
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingForTheSlotLock() == 1);
        });

        String first = reserve(service, "John Doe");

        assertThat(bookings.afterNextInsert.get()).as("the second began while the first held the lock").isNull();
        assertThat(first).isEqualTo("booked");
        assertThat(second.get().get(20, TimeUnit.SECONDS)).isEqualTo("booking-conflict");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking WHERE start_at = :start")
                .param("start", Instant.parse("2026-12-02T08:00:00Z").atOffset(ZoneOffset.UTC)).query(Long.class)
                .single()).as("bookings of the slot").isOne();
    }

    /** "booked", or the problem type of a reservation refused. */
    private static String reserve(BookingService service, String name) {
        try {
            service.create(new BookingRequest(SLOT, 60, new Customer(name, "customer@example.com", null, "de",
                    "Europe/Zurich"), null, null, "stripe"));
            return "booked";
        } catch (BookingConflictException conflict) {
            return conflict.type();
        }
    }

    /** Sessions waiting for a lock on the slot lock's row. */
    private static long waitingForTheSlotLock() {
        return jdbc.sql("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                + "AND query LIKE '%booking_lock%'").query(Long.class).single();
    }

    /** Bookings as the hub makes them: free in the calendar (Google is not asked), checked and held under the lock. */
    private static BookingService service() {
        var hours = new AvailabilityProperties(ZURICH, Map.of(DayOfWeek.WEDNESDAY, List.of("09:00-17:00")),
                Duration.ofMinutes(30), Duration.ZERO, Duration.ofHours(2), Duration.ofDays(90));
        return new BookingService(mock(AvailabilityService.class), bookings, new SlotCalculator(hours),
                new PriceTable(new PricingProperties("CHF", List.of(new PricingProperties.Tier(31, 60, 9000)))),
                new BookingProperties(Duration.ofMinutes(15), Duration.ofMinutes(1), null, Duration.ofMinutes(5),
                        Duration.ofDays(7), 50, Duration.ofDays(3), null, Duration.ofDays(365)),
                hours, new PaymentProperties("stripe", Map.of(), Duration.ofHours(24), "delete"),
                mock(PaymentPages.class), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** The bookings on PostgreSQL, with a hook run once just after the next insert, in its transaction. */
    static final class InsertHookedRepository extends BookingRepository {

        final AtomicReference<Runnable> afterNextInsert = new AtomicReference<>();

        InsertHookedRepository(JdbcClient jdbc, TransactionTemplate transactions, AvailabilityProperties hours) {
            super(jdbc, transactions, hours);
        }

        @Override
        public void insert(Booking booking, Instant now) {
            super.insert(booking, now);
            Runnable hook = afterNextInsert.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
        }
    }
}
