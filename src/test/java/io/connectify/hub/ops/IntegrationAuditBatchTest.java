package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.connectify.hub.support.LogLines;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Inbound webhooks' audit rows ({@link IntegrationAudit#recordLater}) wait in memory and are written in batches, dated
 * as recorded; beyond the buffer a row is dropped and counted, as are a failed batch's; the stop writes what waits.
 */
class IntegrationAuditBatchTest {

    private static final Instant RECORDED = Instant.parse("2026-12-06T10:15:30Z");

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private JdbcClient jdbc;
    private IntegrationAudit audit;

    @BeforeEach
    void anAuditTableAndBuffersOfTwo() {
        DriverManagerDataSource dataSource = new DriverManagerDataSource("jdbc:h2:mem:audit-batch;DB_CLOSE_DELAY=-1");
        jdbc = JdbcClient.create(dataSource);
        jdbc.sql("CREATE TABLE integration_audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, provider VARCHAR(30), "
                + "operation VARCHAR(100), outcome VARCHAR(40), latency_ms BIGINT, occurred_at TIMESTAMP WITH TIME ZONE, "
                + "booking_id VARCHAR(36), correlation_id VARCHAR(64))").update();
        // an hour between batches: only the test writes them
        audit = new IntegrationAudit(new JdbcTemplate(dataSource), Clock.fixed(RECORDED, ZoneOffset.UTC),
                new TransactionTemplate(new DataSourceTransactionManager(dataSource)), meters, 2, 2,
                Duration.ofHours(1), Thread.NORM_PRIORITY);
    }

    @AfterEach
    void dropIt() {
        audit.stop();
        jdbc.sql("DROP TABLE integration_audit").update();
    }

    @Test
    void rowsWaitUntilTheirBatchIsWrittenDatedAsRecordedAndThoseBeyondTheBufferAreCounted() {
        audit.recordLater("stripe", "webhook:checkout.session.completed", "processed", 12, null, "c-1");
        audit.recordLater("stripe", "webhook:charge.refunded", "ignored", 3, null, "c-2");
        audit.recordLater("stripe", "webhook:charge.refunded", "duplicate", 4, null, "c-3");

        assertThat(rows()).isEmpty();
        assertThat(meters.counter("connectify.audit.rows.dropped").count()).isEqualTo(1);

        audit.writeWaiting();

        assertThat(rows()).containsExactly("webhook:checkout.session.completed processed c-1 " + RECORDED,
                "webhook:charge.refunded ignored c-2 " + RECORDED);
    }

    /**
     * A flood of refused webhooks (forged signatures, bad Payrexx paths) fills only the refusals' own buffer: a real
     * event's row recorded after it still waits and is written, the refusals beyond their buffer dropped, counted
     * apart and warned of once. Before, refusals shared the events' buffer and pushed the event's row out.
     */
    @Test
    void aFloodOfRefusalsCannotCrowdOutARealEventsRow() {
        try (LogLines logged = LogLines.of(IntegrationAudit.class)) {
            for (int i = 0; i < 100; i++) {
                audit.recordRefusalLater("payrexx", "webhook", "bad-path", 0, "bad-" + i);
            }
            audit.recordLater("payrexx", "webhook:transaction.confirmed", "processed", 9, null, "c-7");

            audit.writeWaiting();

            assertThat(rows()).containsExactly("webhook:transaction.confirmed processed c-7 " + RECORDED,
                    "webhook bad-path bad-0 " + RECORDED, "webhook bad-path bad-1 " + RECORDED);
            assertThat(meters.counter("connectify.audit.refusals.dropped").count()).isEqualTo(98);
            assertThat(meters.counter("connectify.audit.rows.dropped").count()).isZero();
            assertThat(logged.lines()).filteredOn(line -> line.getLevel() == Level.WARN)
                    .extracting(ILoggingEvent::getFormattedMessage).singleElement().asString()
                    .startsWith("Audit rows of refused webhooks dropped");
        }
    }

    /**
     * A delivery whose sender proved itself (Payrexx's right token) but whose body names no transaction is a sign of a
     * provider that changed its format: its row waits with the events', not with the probes' refusals that a flood
     * drops (the merge review's finding: it went to the refusals' buffer).
     */
    @Test
    void anUnreadableDeliveryOfAProvenSenderIsNotDroppedWithAFloodOfRefusals() {
        for (int i = 0; i < 100; i++) {
            audit.recordRefusalLater("payrexx", "webhook", "bad-path", 0, "bad-" + i);
        }
        org.apache.camel.Exchange unreadable = new org.apache.camel.support.DefaultExchange(
                new org.apache.camel.impl.DefaultCamelContext());
        unreadable.getMessage().setHeader(CorrelationId.CAMEL_HEADER, "c-8");

        new io.connectify.hub.webhook.WebhookAudit(audit).unreadable("payrexx",
                io.connectify.hub.webhook.WebhookMetrics.NOT_A_TRANSACTION, unreadable);
        audit.writeWaiting();

        assertThat(rows()).filteredOn(row -> row.startsWith("webhook not-a-transaction")).hasSize(1);
    }

    @Test
    void theStopWritesTheRowsWaiting() {
        audit.recordLater("payrexx", "webhook:transaction.confirmed", "processed", 7, null, "c-4");

        audit.stop();

        assertThat(rows()).containsExactly("webhook:transaction.confirmed processed c-4 " + RECORDED);
    }

    @Test
    void aBatchThatCannotBeWrittenIsCountedAsDropped() {
        audit.recordLater("stripe", "webhook:charge.refunded", "ignored", 3, null, "c-5");
        audit.recordLater("stripe", "webhook:charge.refunded", "ignored", 3, null, "c-6");
        jdbc.sql("ALTER TABLE integration_audit RENAME TO integration_audit_gone").update();
        try {
            audit.writeWaiting();
        } finally {
            jdbc.sql("ALTER TABLE integration_audit_gone RENAME TO integration_audit").update();
        }

        assertThat(meters.counter("connectify.audit.rows.dropped").count()).isEqualTo(2);
        assertThat(rows()).isEmpty();
    }

    private List<String> rows() {
        return jdbc.sql("SELECT operation, outcome, correlation_id, occurred_at FROM integration_audit ORDER BY id")
                .query((rs, i) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                        + rs.getObject(4, java.time.OffsetDateTime.class).toInstant()).list();
    }
}
