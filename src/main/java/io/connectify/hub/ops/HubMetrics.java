package io.connectify.hub.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.notification.NotificationLog;
import io.connectify.hub.notification.NotificationProperties;
import io.connectify.hub.payment.payrexx.PayrexxConfig;
import io.connectify.hub.webhook.WebhookMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Gauges ops watch besides the route and provider metrics: bookings by status, refunds waiting, dead letters
 * waiting (the database's counts as {@link DatabaseGauges} last refreshed them: a scrape never asks the database), and
 * the depth of the hub's queues (from the embedded broker, or from an external one's management API).
 */
@Component
public class HubMetrics implements MeterBinder {

    private final DatabaseGauges database;
    private final Clock clock;
    private final BrokerQueueDepth depths;
    private final List<String> queues;

    public HubMetrics(DatabaseGauges database,
                      Clock clock,
                      BrokerQueueDepth depths,
                      @Value("${connectify.queues.stripe-events}") String stripe,
                      @Value("${connectify.queues.payrexx-events}") String payrexx,
                      @Value("${connectify.queues.twilio-status}") String twilioStatus,
                      NotificationProperties notifications) {
        this.database = database;
        this.clock = clock;
        this.depths = depths;
        var queues = new ArrayList<>(List.of(stripe, payrexx, twilioStatus));
        queues.addAll(notifications.queues()); // the channels' queues, and the earlier versions' one being drained
        queues.add("DLQ");
        this.queues = List.copyOf(queues);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (BookingStatus status : BookingStatus.values()) {
            Gauge.builder("connectify.bookings", () -> database.read(counts -> counts.bookings().get(status)))
                    .description("Bookings by status").tag("status", status.name()).register(registry);
        }
        Gauge.builder("connectify.bookings.refund.pending", () -> database.read(DatabaseGauges.Counts::refundPending))
                .description("Paid bookings cancelled whose refund failed and waits")
                .register(registry);
        // Payrexx refunds under way (refund_pending) whose booking waits for the delivery of a later status; how many,
        // and how long the longest has waited (0: none; told at the scrape), which the alert RefundAwaitingProvider
        // watches
        Gauge.builder("connectify.refunds.awaiting.provider",
                        () -> database.read(counts -> counts.awaitingRefund().count()))
                .description("Bookings refunded at the provider whose refund is still under way there")
                .tag("provider", PayrexxConfig.PROVIDER).register(registry);
        Gauge.builder("connectify.refunds.awaiting.provider.oldest",
                        () -> database.read(counts -> longestWait(counts.awaitingRefund().since())))
                .description("How long the longest waiting refund under way at the provider has waited")
                .baseUnit("seconds").tag("provider", PayrexxConfig.PROVIDER).register(registry);
        Gauge.builder("connectify.bookings.needing.attention",
                        () -> database.read(DatabaseGauges.Counts::needingAttention))
                .description("Bookings left for a person to settle by hand (a payment neither confirmed nor refunded, "
                        + "a refund failed or no longer made, a calendar event the booking cannot follow, a payment "
                        + "refunded outside the hub) and not yet cleared")
                .register(registry);
        // those of a passing failure are replayed on their own (retry_at); the others wait for an operator
        Gauge.builder("connectify.dead.letters.stored",
                        () -> database.read(DatabaseGauges.Counts::deadLettersForAutomaticReplay))
                .description("Dead letters waiting for inspection or replay").tag("waiting_for", "automatic-replay")
                .register(registry);
        Gauge.builder("connectify.dead.letters.stored",
                        () -> database.read(DatabaseGauges.Counts::deadLettersForOperator))
                .description("Dead letters waiting for inspection or replay").tag("waiting_for", "operator")
                .register(registry);
        // waiting for a replay on their own that does not come: the alert above leaves those out
        Gauge.builder("connectify.dead.letters.replay.overdue",
                        () -> database.read(DatabaseGauges.Counts::deadLettersReplayOverdue))
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
            registry.counter("connectify.payments.over.price", "provider", provider);
        }
        registry.counter("connectify.refunds.failed", "provider", "stripe");
        registry.counter("connectify.refunds.failed.foreign", "provider", "stripe");
        for (String provider : List.of("stripe", "payrexx")) {
            registry.counter("connectify.refunds.outside.hub", "provider", provider);
            registry.counter("connectify.refunds.after.settled", "provider", provider);
        }
        registry.counter("connectify.notifications.requeued");
        registry.counter("connectify.notifications.recovery.failed");
        for (String channel : List.of("SMS", "EMAIL")) {
            registry.counter("connectify.notifications.unrecoverable", "channel", channel);
            // a copy rolled back for redelivery, its notification's row held by another (QueuedNotificationSender)
            registry.counter("connectify.notifications.busy", "channel", channel);
        }
        // a refusal by its reason (the problem type): NotificationsRefused alerts on the message's (validation: maybe
        // the hub's own setting), not on a customer's wrong number (invalid-recipient), which no operator can mend
        for (String status : List.of("failed", "undelivered")) {
            registry.counter("connectify.notifications.failed", "channel", "SMS", "status", status,
                    "reason", NotificationLog.DELIVERY);
        }
        for (String reason : List.of("invalid-recipient", "validation")) {
            registry.counter("connectify.notifications.failed", "channel", "SMS", "status", "refused", "reason", reason);
        }
        registry.counter("connectify.notifications.failed", "channel", "EMAIL", "status", "refused",
                "reason", "validation");
        // an email SendGrid lost too many answers of (SendGridResends): left for a person, never sent again
        registry.counter("connectify.notifications.failed", "channel", "EMAIL", "status", NotificationLog.ANSWER_LOST,
                "reason", NotificationLog.ANSWER_LOST);
        for (String route : List.of("stripe-event-dispatch", "payrexx-event-dispatch", "twilio-status-record",
                "notification-send-sms", "notification-send-email", "notification-forward-legacy")) {
            registry.counter("connectify.dead.letters", "route", route);
        }
        for (String queue : queues) {
            Gauge.builder("connectify.queue.depth", () -> depths.lastKnownCount(queue))
                    .description("Messages waiting in a queue of the broker").tag("queue", queue)
                    .register(registry);
        }
    }

    private double longestWait(Instant since) {
        return since == null ? 0 : Math.max(0, Duration.between(since, clock.instant()).toSeconds());
    }
}
