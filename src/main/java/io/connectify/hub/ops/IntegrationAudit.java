package io.connectify.hub.ops;

import java.time.Clock;
import java.time.ZoneOffset;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.stereotype.Component;

/**
 * The audit of integration events: every provider call, once its retries are done, with its outcome ("ok" or the
 * problem type) and latency, queryable in the table {@code integration_audit}. An audit write that fails is logged
 * and never fails the call it describes.
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

    public void record(String provider, String operation, String outcome, long latencyMillis) {
        try {
            if (TransactionSynchronizationManager.isActualTransactionActive()) {
                // a call made inside a transaction (a notification's send, under its row lock): audited in one of
                // its own, so the record stays when that one rolls back and a failed write cannot abort it
                // (PostgreSQL would)
                ownTransaction.executeWithoutResult(status -> insert(provider, operation, outcome, latencyMillis));
            } else {
                insert(provider, operation, outcome, latencyMillis);
            }
        } catch (RuntimeException e) {
            log.warn("Audit record of a {} call not written: {}", provider, e.getClass().getSimpleName());
        }
    }

    private void insert(String provider, String operation, String outcome, long latencyMillis) {
        jdbc.sql("INSERT INTO integration_audit (provider, operation, outcome, latency_ms, occurred_at) "
                        + "VALUES (:provider, :operation, :outcome, :latency, :at)")
                .param("provider", provider).param("operation", operation).param("outcome", outcome)
                .param("latency", latencyMillis).param("at", clock.instant().atOffset(ZoneOffset.UTC)).update();
    }
}
