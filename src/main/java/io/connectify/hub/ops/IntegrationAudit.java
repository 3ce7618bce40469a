package io.connectify.hub.ops;

import java.time.Clock;
import java.time.ZoneOffset;

import io.connectify.hub.booking.BookingIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.stereotype.Component;

/**
 * The audit of integration events: every provider call, once its retries are done, with its outcome ("ok" or the
 * problem type) and latency, and every inbound webhook event ({@link io.connectify.hub.webhook.WebhookAudit}),
 * queryable in the table {@code integration_audit}, with the booking and the correlation id behind it where known
 * (V34). An audit write that fails is logged and never fails the call it describes.
 */
@Component
public class IntegrationAudit {

    private static final Logger log = LoggerFactory.getLogger(IntegrationAudit.class);

    private final JdbcClient jdbc;
    private final Clock clock;
    private final TransactionTemplate ownTransaction;

    public IntegrationAudit(JdbcClient jdbc, Clock clock, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.ownTransaction = new TransactionTemplate(transactions.getTransactionManager());
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * @param bookingId     the booking the call or event is about, as stored, or null
     * @param correlationId the id of the request or webhook behind it, or null
     */
    public void record(String provider, String operation, String outcome, long latencyMillis, String bookingId,
                       String correlationId) {
        Row row = new Row(cut(provider, 30), cut(operation, 100), cut(outcome, 40), latencyMillis,
                BookingIds.ofEvent(bookingId), cut(correlationId, 64));
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

    private record Row(String provider, String operation, String outcome, long latencyMillis, String bookingId,
                       String correlationId) {
    }

    private void insert(Row row) {
        jdbc.sql("INSERT INTO integration_audit (provider, operation, outcome, latency_ms, occurred_at, booking_id, "
                        + "correlation_id) VALUES (:provider, :operation, :outcome, :latency, :at, :booking, :correlation)")
                .param("provider", row.provider()).param("operation", row.operation()).param("outcome", row.outcome())
                .param("latency", row.latencyMillis()).param("at", clock.instant().atOffset(ZoneOffset.UTC))
                .param("booking", row.bookingId()).param("correlation", row.correlationId()).update();
    }

    /** To the column's width: a provider's event type or a caller's id longer than it is recorded cut, not lost. */
    private static String cut(String value, int width) {
        return value == null || value.length() <= width ? value : value.substring(0, width);
    }
}
