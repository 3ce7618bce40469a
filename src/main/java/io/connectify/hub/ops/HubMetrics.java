package io.connectify.hub.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.IntSupplier;

import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.payment.payrexx.PayrexxConfig;
import io.connectify.hub.payment.payrexx.PayrexxRefundWatch;
import io.connectify.hub.webhook.WebhookMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Gauges ops watch besides the route and provider metrics: bookings by status, refunds waiting, dead letters
 * waiting, and the depth of the hub's queues (from the embedded broker, or from an external one's management API).
 */
@Component
public class HubMetrics implements MeterBinder {

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration replayOverdueAfter;
    private final BookingRepository bookings;
    private final BrokerQueueDepth depths;
    private final List<String> queues;

    public HubMetrics(JdbcClient jdbc,
                      Clock clock,
                      DeadLetterProperties deadLetters,
                      BookingRepository bookings,
                      BrokerQueueDepth depths,
                      @Value("${connectify.queues.stripe-events}") String stripe,
                      @Value("${connectify.queues.payrexx-events}") String payrexx,
                      @Value("${connectify.queues.twilio-status}") String twilioStatus,
                      @Value("${connectify.notifications.queue}") String notifications) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.replayOverdueAfter = deadLetters.autoReplay().overdueAfter();
        this.bookings = bookings;
        this.depths = depths;
        this.queues = List.of(stripe, payrexx, twilioStatus, notifications, "DLQ");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (BookingStatus status : BookingStatus.values()) {
            Gauge.builder("connectify.bookings", () -> count("SELECT COUNT(*) FROM booking WHERE status = :s", status.name()))
                    .description("Bookings by status").tag("status", status.name()).register(registry);
        }
        Gauge.builder("connectify.bookings.refund.pending",
                        () -> orNaN(() -> bookings.countPendingRefunds(BookingSaga.REFUND_PENDING)))
                .description("Paid bookings cancelled whose refund failed and waits")
                .register(registry);
        // Payrexx refunds under way (refund_pending) whose booking waits for the delivery of a later status; how many,
        // and how long the longest has waited (0: none), which the alert RefundAwaitingProvider watches
        Gauge.builder("connectify.refunds.awaiting.provider", () -> orNaN(() -> awaiting(true).count()))
                .description("Bookings refunded at the provider whose refund is still under way there")
                .tag("provider", PayrexxConfig.PROVIDER).register(registry);
        Gauge.builder("connectify.refunds.awaiting.provider.oldest", this::longestAwaitingSeconds)
                .description("How long the longest waiting refund under way at the provider has waited")
                .baseUnit("seconds").tag("provider", PayrexxConfig.PROVIDER).register(registry);
        Gauge.builder("connectify.bookings.needing.attention", () -> orNaN(bookings::countNeedingAttention))
                .description("Bookings left for a person to settle by hand (a payment neither confirmed nor refunded, "
                        + "a refund failed or no longer made, a calendar event the booking cannot follow, a payment "
                        + "refunded outside the hub) and not yet cleared")
                .register(registry);
        // those of a passing failure are replayed on their own (retry_at); the others wait for an operator
        Gauge.builder("connectify.dead.letters.stored", () -> count("SELECT COUNT(*) FROM dead_letter "
                        + "WHERE status = :s AND retry_at IS NOT NULL", "STORED"))
                .description("Dead letters waiting for inspection or replay").tag("waiting_for", "automatic-replay")
                .register(registry);
        Gauge.builder("connectify.dead.letters.stored", () -> count("SELECT COUNT(*) FROM dead_letter "
                        + "WHERE status = :s AND retry_at IS NULL", "STORED"))
                .description("Dead letters waiting for inspection or replay").tag("waiting_for", "operator")
                .register(registry);
        // waiting for a replay on their own that does not come: the alert above leaves those out
        Gauge.builder("connectify.dead.letters.replay.overdue", () -> orNaN(() -> jdbc.sql("SELECT COUNT(*) FROM "
                                + "dead_letter WHERE status = 'STORED' AND retry_at < :overdue")
                        .param("overdue", clock.instant().minus(replayOverdueAfter).atOffset(ZoneOffset.UTC))
                        .query(Integer.class).single()))
                .description("Dead letters whose automatic replay is overdue (no instance leads, or the sweep fails)")
                .register(registry);
        registry.counter("connectify.dead.letters.replayed", "mode", "automatic");
        registry.counter("connectify.dead.letters.replayed", "mode", "manual");
        // counters exist from the start at zero, so dashboards and alerts (increase, rate) see every series
        for (String provider : List.of("stripe", "payrexx", "twilio")) {
            for (String name : List.of("connectify.webhook.duplicates", "connectify.webhook.enqueued")) {
                registry.counter(name, "provider", provider);
            }
        }
        // by provider and reason (google-calendar's: its push notifications)
        WebhookMetrics.REJECTION_REASONS.forEach((provider, reasons) -> reasons.forEach(reason ->
                registry.counter("connectify.webhook.rejected", "provider", provider, "reason", reason)));
        for (String provider : List.of("google-calendar", "stripe", "payrexx", "twilio", "sendgrid")) {
            registry.counter("connectify.provider.rejected", "provider", provider);
        }
        for (String provider : List.of("stripe", "payrexx")) {
            registry.counter("connectify.payment.attempts.failed", "provider", provider);
            registry.counter("connectify.payment.disputes", "provider", provider);
        }
        registry.counter("connectify.refunds.failed", "provider", "stripe");
        registry.counter("connectify.refunds.failed.foreign", "provider", "stripe");
        registry.counter("connectify.refunds.outside.hub", "provider", "stripe");
        registry.counter("connectify.notifications.requeued");
        for (String channel : List.of("SMS", "EMAIL")) {
            registry.counter("connectify.notifications.unrecoverable", "channel", channel);
        }
        for (String status : List.of("failed", "undelivered", "refused")) {
            registry.counter("connectify.notifications.failed", "channel", "SMS", "status", status);
        }
        registry.counter("connectify.notifications.failed", "channel", "EMAIL", "status", "refused");
        for (String route : List.of("stripe-event-dispatch", "payrexx-event-dispatch", "twilio-status-record",
                "notification-send")) {
            registry.counter("connectify.dead.letters", "route", route);
        }
        for (String queue : queues) {
            Gauge.builder("connectify.queue.depth", () -> depths.lastKnownCount(queue))
                    .description("Messages waiting in a queue of the broker").tag("queue", queue)
                    .register(registry);
        }
    }

    /**
     * The refunds awaiting their provider, for one gauge: one count serves both gauges of a scrape (an aggregate over
     * the booking table; a scrape reads the two one after the other). A value one gauge read is kept for the other
     * for {@link #AWAITING_SHARED_FOR}, and taken once: read twice by the same gauge, or later, it is counted again.
     */
    private BookingRepository.Awaiting awaiting(boolean forCount) {
        synchronized (awaitingLock) {
            long now = System.nanoTime();
            if (awaitingShared != null && awaitingShared.forCount() == forCount
                    && now - awaitingShared.readAt() < AWAITING_SHARED_FOR.toNanos()) {
                BookingRepository.Awaiting value = awaitingShared.value();
                awaitingShared = null;
                return value;
            }
            BookingRepository.Awaiting value = bookings.countAwaitingProviderRefund(PayrexxConfig.PROVIDER,
                    PayrexxRefundWatch.reason());
            awaitingShared = new SharedAwaiting(value, now, !forCount);
            return value;
        }
    }

    /** How long a count of the refunds awaiting their provider one gauge read is kept for the other. */
    static final Duration AWAITING_SHARED_FOR = Duration.ofSeconds(2);
    private final Object awaitingLock = new Object();
    private SharedAwaiting awaitingShared;

    /** A count one gauge read, kept for the other ({@code forCount}: for the count gauge). */
    private record SharedAwaiting(BookingRepository.Awaiting value, long readAt, boolean forCount) {
    }

    private double longestAwaitingSeconds() {
        try {
            Instant since = awaiting(false).since();
            return since == null ? 0 : Math.max(0, Duration.between(since, clock.instant()).toSeconds());
        } catch (RuntimeException databaseDown) {
            return Double.NaN;
        }
    }

    private double count(String sql, String value) {
        return orNaN(() -> jdbc.sql(sql).param("s", value).query(Integer.class).single());
    }

    private static double orNaN(IntSupplier count) {
        try {
            return count.getAsInt();
        } catch (RuntimeException databaseDown) {
            return Double.NaN; // the database health indicator says why
        }
    }
}
