package io.connectify.hub.ops;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.connectify.hub.ops.cluster.SingletonLease;
import io.connectify.hub.resilience.DatabaseBusy;
import io.connectify.hub.web.IdempotentRequests;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Deletes processed event keys (with them the Twilio status callbacks parked for a message the hub never recorded:
 * one sent again after its answer was lost), audit records and replayed dead letters older than their retention
 * ({@link RetentionProperties}), the notifications' send starts left behind by notifications no longer unsent, the
 * processing payments (V38) of bookings no longer waiting for their payment, and the API's Idempotency-Key answers
 * past their lifetime ({@link IdempotentRequests#expiredBefore}); each kind on its own, so one that fails does not
 * keep the others; called by the singleton route ops-retention-sweep. Both tables grow with every
 * webhook and provider call, and a key only has to outlive the providers' redeliveries (Stripe retries for up to
 * three days); a duplicate arriving
 * after its key was purged is still harmless, as the saga is idempotent. Deletes in batches, one transaction each,
 * so a first sweep over a large table neither holds long locks nor builds one huge transaction.
 */
@Component("retentionSweep")
public class RetentionSweep {

    private static final Logger log = LoggerFactory.getLogger(RetentionSweep.class);
    static final String METRIC = "connectify.retention.purged";
    static final String PROCESSED_EVENTS = "processed-events";
    static final String PARKED_CALLBACKS = "parked-callbacks";
    static final String AUDIT = "audit";
    static final String DEAD_LETTERS = "dead-letters";
    static final String SEND_STARTS = "send-starts";
    static final String PROCESSING_PAYMENTS = "processing-payments";
    static final String PAYMENT_FAILURES = "payment-failures";
    static final String API_IDEMPOTENCY = "api-idempotency";

    private final JdbcClient jdbc;
    private final Clock clock;
    private final RetentionProperties retention;
    private final IdempotentRequests idempotentRequests;
    /** Per kind of record (tag {@code records}), what the sweep purged. */
    private final Map<String, Counter> purged = new HashMap<>();

    public RetentionSweep(JdbcClient jdbc, Clock clock, RetentionProperties retention, MeterRegistry meters,
                          IdempotentRequests idempotentRequests) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.retention = retention;
        this.idempotentRequests = idempotentRequests;
        for (String records : new String[] {PROCESSED_EVENTS, PARKED_CALLBACKS, AUDIT, DEAD_LETTERS, SEND_STARTS,
                PROCESSING_PAYMENTS, PAYMENT_FAILURES, API_IDEMPOTENCY}) {
            purged.put(records, meters.counter(METRIC, "records", records));
        }
    }

    /**
     * One sweep (route ops-retention-sweep). A run of that singleton route whose instance no longer leads deletes no
     * further batch (SingletonLease): an overlap would only delete nothing twice, but a first sweep over a large table
     * runs long.
     */
    public void sweep(Exchange run) {
        BooleanSupplier leads = SingletonLease.forRun(run);
        long processed = 0;
        long audit = 0;
        if (keeps(retention.processedEvents())) {
            Instant cutoff = clock.instant().minus(retention.processedEvents());
            // Camel writes createdAt as a local-time TIMESTAMP (new Timestamp(now)); the cutoff is bound the same way
            processed = purge(PROCESSED_EVENTS, () -> Timestamp.from(cutoff), "DELETE FROM CAMEL_MESSAGEPROCESSED "
                    + "WHERE (processorName, messageId) IN (SELECT processorName, messageId FROM CAMEL_MESSAGEPROCESSED "
                    + "WHERE createdAt < :cutoff FETCH FIRST " + retention.batchSize() + " ROWS ONLY)", leads);
            purge(PARKED_CALLBACKS, () -> cutoff.atOffset(ZoneOffset.UTC), "DELETE FROM notification_callback WHERE "
                    + "(provider_reference, status) IN (SELECT provider_reference, status FROM notification_callback "
                    + "WHERE received_at < :cutoff FETCH FIRST " + retention.batchSize() + " ROWS ONLY)", leads);
        }
        if (keeps(retention.audit())) {
            audit = purge(AUDIT, () -> clock.instant().minus(retention.audit()).atOffset(ZoneOffset.UTC),
                    "DELETE FROM integration_audit WHERE id IN (SELECT id FROM integration_audit "
                    + "WHERE occurred_at < :cutoff FETCH FIRST " + retention.batchSize() + " ROWS ONLY)", leads);
        }
        long deadLetters = 0;
        if (keeps(retention.deadLetters())) {
            deadLetters = purge(DEAD_LETTERS, () -> clock.instant().minus(retention.deadLetters())
                    .atOffset(ZoneOffset.UTC), "DELETE FROM dead_letter WHERE id IN (SELECT id FROM dead_letter WHERE "
                    + "status = 'REPLAYED' AND replayed_at < :cutoff FETCH FIRST " + retention.batchSize()
                    + " ROWS ONLY)", leads);
        }
        // a send's start left behind by a notification no longer unsent (sent, failed, skipped: its final state
        // reached some way other than that send's outcome, as by an instance of an earlier version) tells nothing any
        // more; one of a notification still queued and unsent stays, whatever its age: it is a send under way (its
        // notification's unsent state is all this reads, committed, while that send holds the row lock) or one the
        // next send must take as a lost answer. No retention period: such a start is of no use from the moment its
        // notification left the unsent state
        long sendStarts = purge(SEND_STARTS, this::now, "DELETE FROM notification_send_start WHERE id IN (SELECT "
                + "s.id FROM notification_send_start s WHERE NOT EXISTS (SELECT 1 FROM notification n WHERE n.id = "
                + "s.notification_id AND n.status = 'queued' AND n.provider_reference IS NULL) AND s.started_at < "
                + ":cutoff FETCH FIRST " + retention.batchSize() + " ROWS ONLY)", leads);
        // a processing payment recorded for a booking's longer hold (V38) tells something only while that booking
        // waits for its payment: one confirmed, paid, expired, failed, cancelled or refunded needs none. No retention
        // period: such a row is of no use once its booking is settled
        long processing = purge(PROCESSING_PAYMENTS, this::now, "DELETE FROM booking_processing_payment WHERE "
                + "(booking_id, payment_ref) IN (SELECT p.booking_id, p.payment_ref FROM booking_processing_payment p "
                + "WHERE NOT EXISTS (SELECT 1 FROM booking b WHERE b.id = p.booking_id AND b.status = "
                + "'PENDING_PAYMENT' AND b.paid_amount IS NULL) AND p.recorded_at < :cutoff FETCH FIRST "
                + retention.batchSize() + " ROWS ONLY)", leads);
        // a payment's failure remembered for its processing event handled after it (V39) is of use while its booking
        // could still be held by that event: waiting, or expired unpaid (a late processing event holds it again),
        // and not begun (a processing event holds no booking whose start has passed). Before, an abandoned booking's
        // rows (one per declined card) were kept for ever once it had expired
        processing += purge(PAYMENT_FAILURES, this::now, "DELETE FROM booking_payment_failure WHERE "
                + "(booking_id, payment_ref) IN (SELECT f.booking_id, f.payment_ref FROM booking_payment_failure f "
                + "WHERE NOT EXISTS (SELECT 1 FROM booking b WHERE b.id = f.booking_id AND b.status IN "
                + "('PENDING_PAYMENT', 'EXPIRED') AND b.paid_amount IS NULL AND b.start_at > :cutoff) AND "
                + "f.recorded_at < :cutoff FETCH FIRST " + retention.batchSize() + " ROWS ONLY)", leads);
        // the Idempotency-Key answers past connectify.http.idempotency-key-lifetime, by the database's clock, as their
        // claims are taken over (IdempotentRequests). The outer created_at test keeps a key a repeat took over (its
        // created_at renewed) between this statement's SELECT and its DELETE, which PostgreSQL checks again on the
        // row's new version: matched on its key alone, the live answer was deleted
        long answers = purge(API_IDEMPOTENCY, () -> idempotentRequests.expiredBefore().atOffset(ZoneOffset.UTC),
                "DELETE FROM api_idempotency WHERE created_at < :cutoff AND (caller, idempotency_key) IN (SELECT "
                + "caller, idempotency_key FROM api_idempotency WHERE created_at < :cutoff FETCH FIRST "
                + retention.batchSize() + " ROWS ONLY)", leads);
        if (processing > 0) {
            log.info("Retention sweep purged {} processing payments and payment failures of bookings no longer waiting "
                    + "for their payment",
                    processing);
        }
        if (processed + audit + deadLetters + sendStarts > 0) {
            log.info("Retention sweep purged {} processed event keys older than {}, {} audit records older than {}, "
                    + "{} dead letters replayed more than {} ago and {} send starts of notifications no longer unsent",
                    processed, retention.processedEvents(), audit, retention.audit(), deadLetters,
                    retention.deadLetters(), sendStarts);
        }
        if (answers > 0) {
            log.info("Retention sweep purged {} Idempotency-Key answer(s) older than their lifetime", answers);
        }
    }

    private OffsetDateTime now() {
        return clock.instant().atOffset(ZoneOffset.UTC);
    }

    /**
     * Deletes one kind of record ({@link #inBatches}); how many. A failure (the database unreachable, a row held,
     * a table an instance of another version reads) stops that kind's purge for this run only: one log line naming
     * it, and the sweep goes on with the next kind, where before the first failure ended the run and every kind
     * after it (the Idempotency-Key answers, last, included) waited for a run that failed nowhere.
     */
    private long purge(String records, Supplier<Object> cutoff, String delete, BooleanSupplier leads) {
        try {
            return inBatches(delete, cutoff.get(), purged.get(records), leads);
        } catch (RuntimeException failed) {
            if (DatabaseBusy.is(failed)) {
                // a state that passes: one line, no stack trace, as the sweeps' route configuration logs it
                log.warn("ops-retention-sweep: records {} not purged this run: a row it needed was held by another "
                        + "transaction past connectify.database.lock-timeout; the other records are purged, the next "
                        + "run tries again", records);
            } else {
                log.error("ops-retention-sweep: records {} not purged this run; the other records are purged, the "
                        + "next run tries again", records, failed);
            }
            return 0;
        }
    }

    private static boolean keeps(Duration retention) {
        return retention != null && !retention.isNegative() && !retention.isZero();
    }

    private long inBatches(String delete, Object cutoff, Counter counter, BooleanSupplier leads) {
        long total = 0;
        int deleted;
        do {
            if (!leads.getAsBoolean()) {
                return total;
            }
            // no surrounding transaction: each statement commits on its own
            deleted = jdbc.sql(delete).param("cutoff", cutoff).update();
            counter.increment(deleted);
            total += deleted;
        } while (deleted == retention.batchSize());
        return total;
    }
}
