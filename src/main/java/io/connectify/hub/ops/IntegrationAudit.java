package io.connectify.hub.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.connectify.hub.booking.BookingIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.stereotype.Component;

/**
 * The audit of integration events: every provider call, once its retries are done, with its outcome ("ok" or the
 * problem type) and latency, and every inbound webhook event ({@link io.connectify.hub.webhook.WebhookAudit}),
 * queryable in the table {@code integration_audit}, with the booking and the correlation id behind it where known
 * (V34). An audit write that fails is logged and never fails the call it describes.
 * <p>
 * Inbound webhooks' rows ({@link #recordLater}) are written in batches, every {@code connectify.audit.flush-interval},
 * by a thread of their own: one insert and commit per queued event, on the queue consumers' threads, would double the
 * work of an event that needs no action (no other database write) on the two cores the webhooks' acknowledgements
 * share. A row waits in memory until then (at most {@code connectify.audit.buffer} of them; beyond, dropped and counted
 * in {@code connectify_audit_rows_dropped_total}, as are a failed batch's rows); the hub's stop writes what waits
 * (within 5 s), a crash loses it (the audit is a record to query, the events themselves are journaled and queued
 * durably). Refusals (a webhook refused at its signature, token or path: {@link #recordRefusalLater}) wait apart, at
 * most {@code connectify.audit.refusal-buffer} of them, those beyond dropped and counted in
 * {@code connectify_audit_refusals_dropped_total}: a flood of forged or misdirected requests cannot crowd the rows of
 * real events out of the buffer (before, one shared it, and a flood of bad Payrexx paths dropped them).
 */
@Component
public class IntegrationAudit {

    private static final Logger log = LoggerFactory.getLogger(IntegrationAudit.class);

    /** Rows written in one batch at most. */
    private static final int BATCH = 500;
    /** How long the stop waits for the rows waiting to be written. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private static final String INSERT = "INSERT INTO integration_audit (provider, operation, outcome, latency_ms, "
            + "occurred_at, booking_id, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?)";

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final TransactionTemplate ownTransaction;
    private final BlockingQueue<Row> waiting;
    private final Counter dropped;
    private final AtomicLong droppedLogged = new AtomicLong();
    /** Refusals' rows, waiting apart from the events' (see the class). */
    private final BlockingQueue<Row> refusals;
    private final Counter refusalsDropped;
    private final AtomicLong refusalsDroppedLogged = new AtomicLong();
    private final ScheduledExecutorService writer;

    public IntegrationAudit(JdbcTemplate jdbc, Clock clock, TransactionTemplate transactions, MeterRegistry meters,
                            @Value("${connectify.audit.buffer}") int buffer,
                            @Value("${connectify.audit.refusal-buffer}") int refusalBuffer,
                            @Value("${connectify.audit.flush-interval}") Duration flushInterval,
                            @Value("${connectify.queues.consumer-thread-priority}") int priority) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.ownTransaction = new TransactionTemplate(transactions.getTransactionManager());
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.waiting = new ArrayBlockingQueue<>(buffer);
        this.dropped = Counter.builder("connectify.audit.rows.dropped")
                .description("Audit rows of inbound webhooks dropped: more were waiting to be written than the buffer "
                        + "holds (connectify.audit.buffer)")
                .register(meters);
        this.refusals = new ArrayBlockingQueue<>(refusalBuffer);
        this.refusalsDropped = Counter.builder("connectify.audit.refusals.dropped")
                .description("Audit rows of refused webhooks (signature, token, path) dropped: more were waiting to be "
                        + "written than their own buffer holds (connectify.audit.refusal-buffer)")
                .register(meters);
        this.writer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "audit-writer");
            thread.setDaemon(true);
            // the queue consumers' priority, below the request threads': under a burst of webhooks the cores go to
            // acknowledging them first, and their audit rows are written after, as their events are processed
            thread.setPriority(priority);
            return thread;
        });
        long every = Math.max(1, flushInterval.toMillis());
        writer.scheduleWithFixedDelay(this::writeWaiting, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * As {@link #record}, written with the next batch (see the class): for rows recorded often on threads whose time
     * counts (inbound webhooks' outcomes on the queue consumers', their refusals on the request's).
     */
    public void recordLater(String provider, String operation, String outcome, long latencyMillis, String bookingId,
                            String correlationId) {
        if (!waiting.offer(row(provider, operation, outcome, latencyMillis, bookingId, correlationId))) {
            dropped.increment();
            if (firstThisMinute(droppedLogged)) {
                log.warn("Audit rows of inbound webhooks dropped: {} were waiting to be written (connectify.audit.buffer)",
                        waiting.size());
            }
        }
    }

    /**
     * As {@link #recordLater}, for a webhook refused (at its signature, token or path): waits apart from the events'
     * rows, in a buffer of its own ({@code connectify.audit.refusal-buffer}), so refusals never take an event's place.
     */
    public void recordRefusalLater(String provider, String operation, String outcome, long latencyMillis,
                                   String correlationId) {
        if (!refusals.offer(row(provider, operation, outcome, latencyMillis, null, correlationId))) {
            refusalsDropped.increment();
            if (firstThisMinute(refusalsDroppedLogged)) {
                log.warn("Audit rows of refused webhooks dropped: {} were waiting to be written "
                        + "(connectify.audit.refusal-buffer); the refusals themselves are counted in "
                        + "connectify_webhook_rejected_total", refusals.size());
            }
        }
    }

    /** Whether a minute has passed since {@code last} said so (then it says now): one WARN a minute at most. */
    private static boolean firstThisMinute(AtomicLong last) {
        long now = System.currentTimeMillis();
        long before = last.get();
        return now - before > 60_000 && last.compareAndSet(before, now);
    }

    /** Writes the rows waiting ({@link #recordLater}), in batches; a failed batch is logged and dropped. */
    void writeWaiting() {
        List<Row> batch = new ArrayList<>(BATCH);
        while (drainInto(batch) > 0) {
            try {
                // one statement prepared and one JDBC batch for all of them, not a statement and its named
                // parameters per row
                ownTransaction.executeWithoutResult(status -> jdbc.batchUpdate(INSERT, batch, batch.size(),
                        IntegrationAudit::bind));
            } catch (RuntimeException e) {
                dropped.increment(batch.size());
                log.warn("{} audit rows of inbound webhooks not written: {}", batch.size(), e.getClass().getSimpleName());
            }
            batch.clear();
        }
    }

    /** The next batch: the events' rows first, then refusals' up to the batch's size. */
    private int drainInto(List<Row> batch) {
        int events = waiting.drainTo(batch, BATCH);
        return events + refusals.drainTo(batch, BATCH - events);
    }

    /**
     * The hub's stop: the rows waiting are written, on the writer's thread, for at most {@link #STOP_WAIT}: with the
     * database unreachable each batch would wait for a pooled connection (30 s), and the stop past its grace period.
     */
    @PreDestroy
    void stop() {
        try {
            writer.execute(this::writeWaiting);
        } catch (java.util.concurrent.RejectedExecutionException stoppedAlready) {
            // stopped before: nothing more to write
        }
        writer.shutdown();
        try {
            if (!writer.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Audit rows of inbound webhooks not all written within {} at the stop: {} left", STOP_WAIT,
                        waiting.size() + refusals.size());
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param bookingId     the booking the call or event is about, as stored, or null
     * @param correlationId the id of the request or webhook behind it, or null
     */
    public void record(String provider, String operation, String outcome, long latencyMillis, String bookingId,
                       String correlationId) {
        Row row = row(provider, operation, outcome, latencyMillis, bookingId, correlationId);
        try {
            if (TransactionSynchronizationManager.isActualTransactionActive()) {
                // a call made inside a transaction (a notification's send, under its row lock): audited in one of
                // its own, so the record stays when that one rolls back and a failed write cannot abort it
                // (PostgreSQL would)
                ownTransaction.executeWithoutResult(status -> insert(row));
            } else {
                insert(row);
            }
        } catch (RuntimeException e) {
            log.warn("Audit record of a {} call not written: {}", provider, e.getClass().getSimpleName());
        }
    }

    private Row row(String provider, String operation, String outcome, long latencyMillis, String bookingId,
                    String correlationId) {
        return new Row(cut(provider, 30), cut(operation, 100), cut(outcome, 40), latencyMillis,
                BookingIds.ofEvent(bookingId), cut(correlationId, 64), clock.instant());
    }

    /** A row as recorded, {@code at} when (a batched one is written later, dated as recorded). */
    private record Row(String provider, String operation, String outcome, long latencyMillis, String bookingId,
                       String correlationId, Instant at) {
    }

    private void insert(Row row) {
        jdbc.update(INSERT, statement -> bind(statement, row));
    }

    private static void bind(PreparedStatement statement, Row row) throws SQLException {
        statement.setString(1, row.provider());
        statement.setString(2, row.operation());
        statement.setString(3, row.outcome());
        statement.setLong(4, row.latencyMillis());
        statement.setObject(5, row.at().atOffset(ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
        statement.setString(6, row.bookingId());
        statement.setString(7, row.correlationId());
    }

    /** To the column's width: a provider's event type or a caller's id longer than it is recorded cut, not lost. */
    private static String cut(String value, int width) {
        return value == null || value.length() <= width ? value : value.substring(0, width);
    }
}
