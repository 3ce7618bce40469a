package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.atLeast;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.payment.PaymentPages;
import io.connectify.hub.payment.PaymentProperties;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mockito.ArgumentCaptor;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The hold sweep (booking-expire-holds) run by the old leader and by the new one at once after a takeover, on
 * PostgreSQL: the old leader's run has read the due bookings and expired the first when the new leader's run sweeps
 * (the lease taken meanwhile, the old run still on its way). Each booking is expired, and its payment page closed, by
 * one run only: the old run's later updates check the hold again (status, hold, no payment) and find them expired. What
 * README, Scale-out argued ("written for that overlap"), here shown for this sweep.
 */
class PostgresHoldSweepOverlapTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static final Instant NOW = Instant.parse("2026-11-30T08:00:00Z");

    @Test
    void theOldAndTheNewLeadersSweepsExpireAndCloseEachRunOutHoldOnce() {
        var newLeader = PostgresRepositories.migrated(postgres, BookingRepository::new);
        List<String> due = List.of(held(newLeader, "2026-12-15T08:00:00Z"), held(newLeader, "2026-12-15T10:00:00Z"),
                held(newLeader, "2026-12-15T12:00:00Z"));
        PaymentPages newLeadersPages = mock(PaymentPages.class);
        BookingService newLeadersSweep = sweep(newLeader, newLeadersPages);
        List<Integer> newLeaderExpired = new ArrayList<>();
        var oldLeader = PostgresRepositories.migrated(postgres, (jdbc, transactions, hours) ->
                new TakenOverRepository(jdbc, transactions, hours,
                        () -> newLeaderExpired.add(newLeadersSweep.expireHolds(null))));
        PaymentPages oldLeadersPages = mock(PaymentPages.class);

        int oldLeaderExpired = sweep(oldLeader, oldLeadersPages).expireHolds(null);

        assertThat(oldLeaderExpired).as("the old leader's run: the first, before the takeover").isEqualTo(1);
        assertThat(newLeaderExpired).as("the new leader's run: the two left").containsExactly(2);
        List<String> closed = new ArrayList<>(closedPages(oldLeadersPages));
        closed.addAll(closedPages(newLeadersPages));
        assertThat(closed).as("each page closed once").containsExactlyInAnyOrderElementsOf(due);
        assertThat(closedPages(oldLeadersPages)).hasSize(1);
        assertThat(JdbcClient.create(postgres.dataSource()).sql("SELECT status FROM booking WHERE id IN (:ids)")
                .param("ids", due).query(String.class).list()).containsOnly("EXPIRED").hasSize(3);
    }

    /** The ids of the bookings whose payment pages the run closed. */
    private static List<String> closedPages(PaymentPages pages) {
        ArgumentCaptor<Booking> closed = ArgumentCaptor.forClass(Booking.class);
        verify(pages, atLeast(0)).close(closed.capture());
        return closed.getAllValues().stream().map(Booking::id).toList();
    }

    /** A pending Stripe booking whose 15-minute hold ran out a minute before {@link #NOW}. */
    private static String held(BookingRepository bookings, String startUtc) {
        var zone = TestAvailability.HOURS.timeZone();
        Instant start = Instant.parse(startUtc);
        Instant made = NOW.minus(Duration.ofMinutes(16));
        String id = java.util.UUID.randomUUID().toString();
        bookings.withSlotLock(() -> {
            bookings.insert(new Booking(id, BookingStatus.PENDING_PAYMENT, start.atZone(zone).toOffsetDateTime(),
                    start.plus(Duration.ofHours(1)).atZone(zone).toOffsetDateTime(), 60, 9000, "CHF",
                    new Customer("Jane Roe", "jane@example.com", null, "de", "Europe/Zurich"), "Consultation", null,
                    "stripe", null, null, made.plus(Duration.ofMinutes(15)), made, null, null, null), made);
            return null;
        });
        return id;
    }

    /** An instance's hold sweep on {@code bookings}, its clock at {@link #NOW}, closing pages through {@code pages}. */
    private static BookingService sweep(BookingRepository bookings, PaymentPages pages) {
        var clock = Clock.fixed(NOW, ZoneOffset.UTC);
        return new BookingService(TestAvailability.on(bookings, mock(GoogleCalendarGateway.class), clock), bookings, new SlotCalculator(TestAvailability.HOURS),
                new PriceTable(new PricingProperties("CHF", List.of(new PricingProperties.Tier(30, 120, 9000)))),
                new BookingProperties(Duration.ofMinutes(15), Duration.ofMinutes(1), null, Duration.ofMinutes(5),
                        Duration.ofHours(24), 50, Duration.ofDays(5), null, Duration.ofDays(365)),
                TestAvailability.HOURS, new PaymentProperties("stripe", Map.of(), Duration.ofHours(24), "delete"),
                pages, clock);
    }

    /**
     * The old leader's bookings: its sweep, asking whether to go on before its second booking (it still believes it
     * leads), meets the new leader's whole run there, as a takeover while it was on its way would have it.
     */
    static final class TakenOverRepository extends BookingRepository {

        private final Runnable takeover;

        TakenOverRepository(JdbcClient jdbc, TransactionTemplate transactions, AvailabilityProperties hours,
                            Runnable takeover) {
            super(jdbc, transactions, hours);
            this.takeover = takeover;
        }

        @Override
        public List<Booking> expireHolds(Instant now, BooleanSupplier goOn) {
            AtomicInteger asked = new AtomicInteger();
            return super.expireHolds(now, () -> {
                if (asked.incrementAndGet() == 2) {
                    takeover.run();
                }
                return goOn.getAsBoolean();
            });
        }
    }
}
