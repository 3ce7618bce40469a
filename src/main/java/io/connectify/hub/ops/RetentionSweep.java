package io.connectify.hub.ops;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.function.BooleanSupplier;

import io.connectify.hub.ops.cluster.SingletonLease;
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
 * ({@link RetentionProperties}), the notifications' send starts left behind by notifications no longer unsent, and the
 * processing payments (V38) of bookings no longer waiting for their payment;
 * called by the singleton route ops-retention-sweep. Both tables grow with every
 * webhook and provider call, and a key only has to outlive the providers' redeliveries (Stripe retries for up to
 * three days); a duplicate arriving
 * after its key was purged is still harmless, as the saga is idempotent. Deletes in batches, one transaction each,
 * so a first sweep over a large table neither holds long locks nor builds one huge transaction.
 */
@Component("retentionSweep")
public class RetentionSweep {

    private static final Logger log = LoggerFactory.getLogger(RetentionSweep.class);
    static final String METRIC = "connectify.retention.purged";

    private final JdbcClient jdbc;
    private final Clock clock;
    private final RetentionProperties retention;
    private final Counter processedPurged;
    private final Counter auditPurged;
    private final Counter callbacksPurged;
    private final Counter deadLettersPurged;
    private final Counter sendStartsPurged;
    private final Counter processingPurged;
    private final Counter failuresPurged;

    public RetentionSweep(JdbcClient jdbc, Clock clock, RetentionProperties retention, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.retention = retention;
        this.processedPurged = meters.counter(METRIC, "records", "processed-events");
        this.auditPurged = meters.counter(METRIC, "records", "audit");
        this.callbacksPurged = meters.counter(METRIC, "records", "parked-callbacks");
        this.deadLettersPurged = meters.counter(METRIC, "records", "dead-letters");
        this.sendStartsPurged = meters.counter(METRIC, "records", "send-starts");
        this.processingPurged = meters.counter(METRIC, "records", "processing-payments");
        this.failuresPurged = meters.counter(METRIC, "records", "payment-failures");
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
            // Camel writes createdAt as a local-time TIMESTAMP (new Timestamp(now)); the cutoff is bound the same way
            Timestamp cutoff = Timestamp.from(clock.instant().minus(retention.processedEvents()));
            processed = inBatches("DELETE FROM CAMEL_MESSAGEPROCESSED WHERE (processorName, messageId) IN "
                    + "(SELECT processorName, messageId FROM CAMEL_MESSAGEPROCESSED WHERE createdAt < :cutoff "
                    + "FETCH FIRST " + retention.batchSize() + " ROWS ONLY)", cutoff, processedPurged, leads);
            inBatches("DELETE FROM notification_callback WHERE (provider_reference, status) IN (SELECT "
                    + "provider_reference, status FROM notification_callback WHERE received_at < :cutoff FETCH FIRST "
                    + retention.batchSize() + " ROWS ONLY)", cutoff.toInstant().atOffset(ZoneOffset.UTC),
                    callbacksPurged, leads);
        }
        if (keeps(retention.audit())) {
            var cutoff = clock.instant().minus(retention.audit()).atOffset(ZoneOffset.UTC);
            audit = inBatches("DELETE FROM integration_audit WHERE id IN (SELECT id FROM integration_audit "
                    + "WHERE occurred_at < :cutoff FETCH FIRST " + retention.batchSize() + " ROWS ONLY)", cutoff,
                    auditPurged, leads);
        }
        long deadLetters = 0;
        if (keeps(retention.deadLetters())) {
            var cutoff = clock.instant().minus(retention.deadLetters()).atOffset(ZoneOffset.UTC);
            deadLetters = inBatches("DELETE FROM dead_letter WHERE id IN (SELECT id FROM dead_letter WHERE status = 'REPLAYED' "
                    + "AND replayed_at < :cutoff FETCH FIRST " + retention.batchSize() + " ROWS ONLY)", cutoff,
                    deadLettersPurged, leads);
        }
        // a send's start left behind by a notification no longer unsent (sent, failed, skipped: its final state
        // reached some way other than that send's outcome, as by an instance of an earlier version) tells nothing any
        // more; one of a notification still queued and unsent stays, whatever its age: it is a send under way (its
        // notification's unsent state is all this reads, committed, while that send holds the row lock) or one the
        // next send must take as a lost answer. No retention period: such a start is of no use from the moment its
        // notification left the unsent state
        long sendStarts = inBatches("DELETE FROM notification_send_start WHERE id IN (SELECT s.id FROM "
                + "notification_send_start s WHERE NOT EXISTS (SELECT 1 FROM notification n WHERE n.id = "
                + "s.notification_id AND n.status = 'queued' AND n.provider_reference IS NULL) AND s.started_at < "
                + ":cutoff FETCH FIRST " + retention.batchSize() + " ROWS ONLY)",
                clock.instant().atOffset(ZoneOffset.UTC), sendStartsPurged, leads);
        // a processing payment recorded for a booking's longer hold (V38) tells something only while that booking
        // waits for its payment: one confirmed, paid, expired, failed, cancelled or refunded needs none. No retention
        // period: such a row is of no use once its booking is settled
        long processing = inBatches("DELETE FROM booking_processing_payment WHERE (booking_id, payment_ref) IN "
                + "(SELECT p.booking_id, p.payment_ref FROM booking_processing_payment p WHERE NOT EXISTS (SELECT 1 "
                + "FROM booking b WHERE b.id = p.booking_id AND b.status = 'PENDING_PAYMENT' AND b.paid_amount IS "
                + "NULL) AND p.recorded_at < :cutoff FETCH FIRST " + retention.batchSize() + " ROWS ONLY)",
                clock.instant().atOffset(ZoneOffset.UTC), processingPurged, leads);
        // a payment's failure remembered for its processing event handled after it (V39) is of use while its booking
        // could still be held by that event: waiting, or expired unpaid (a late processing event holds it again),
        // and not begun (a processing event holds no booking whose start has passed). Before, an abandoned booking's
        // rows (one per declined card) were kept for ever once it had expired
        processing += inBatches("DELETE FROM booking_payment_failure WHERE (booking_id, payment_ref) IN "
                + "(SELECT f.booking_id, f.payment_ref FROM booking_payment_failure f WHERE NOT EXISTS (SELECT 1 "
                + "FROM booking b WHERE b.id = f.booking_id AND b.status IN ('PENDING_PAYMENT', 'EXPIRED') AND "
                + "b.paid_amount IS NULL AND b.start_at > :cutoff) AND f.recorded_at < :cutoff FETCH FIRST "
                + retention.batchSize()
                + " ROWS ONLY)", clock.instant().atOffset(ZoneOffset.UTC), failuresPurged, leads);
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
    }

    private static boolean keeps(Duration retention) {
        return retention != null && !retention.isNegative() && !retention.isZero();
    }

    private long inBatches(String delete, Object cutoff, Counter purged, BooleanSupplier leads) {
        long total = 0;
        int deleted;
        do {
            if (!leads.getAsBoolean()) {
                return total;
            }
            // no surrounding transaction: each statement commits on its own
            deleted = jdbc.sql(delete).param("cutoff", cutoff).update();
            purged.increment(deleted);
            total += deleted;
        } while (deleted == retention.batchSize());
        return total;
    }
}
