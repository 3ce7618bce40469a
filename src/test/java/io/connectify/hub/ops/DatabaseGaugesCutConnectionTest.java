package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import io.connectify.hub.booking.AvailabilityProperties;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.connectify.hub.support.LoopbackProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A connection to PostgreSQL cut in the middle of a refresh's query (the network drops its packets, nothing closes
 * it): the refresh fails within the network timeout, and the refresher is free for the next one. PostgreSQL's driver
 * reads its socket for ever by default, and the cancel a query timeout sends cannot reach a server cut off, so the
 * refresher's thread waited for good and the gauges stayed NaN after the database came back.
 */
class DatabaseGaugesCutConnectionTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();

    @Test
    void aRefreshWhoseConnectionIsCutMidQueryFailsWithinTheNetworkTimeout() throws Exception {
        Flyway.configure().dataSource(postgres.dataSource()).locations("classpath:db/migration").load().migrate();
        try (LoopbackProxy proxy = new LoopbackProxy(postgres.port()); HikariDataSource pool = new HikariDataSource()) {
            pool.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + postgres.name());
            pool.setUsername("postgres");
            JdbcClient jdbc = JdbcClient.create(pool);
            JdbcTransactionManager transactions = new JdbcTransactionManager(pool);
            DatabaseGauges gauges = new DatabaseGauges(jdbc, new BookingRepository(jdbc,
                    new TransactionTemplate(transactions), new AvailabilityProperties(ZoneId.of("Europe/Zurich"),
                    Map.of(), null, null, null, null)), pool, transactions, Clock.systemUTC(),
                    new DeadLetterProperties(3, Duration.ofSeconds(1), new DeadLetterProperties.AutoReplay(
                            Duration.ofMinutes(1), Duration.ofMinutes(30), 10, Duration.ofSeconds(30),
                            Duration.ofMinutes(5))),
                    new DatabaseGaugeProperties(Duration.ofSeconds(15), Duration.ofSeconds(2)), System::nanoTime);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new HubMetrics(gauges, Clock.systemUTC(), null, "stripe-events", "payrexx-events", "twilio-status",
                    new io.connectify.hub.notification.NotificationProperties(100, 60000, "notifications",
                            "notifications-sms", "notifications-email", true, java.time.Duration.ofMinutes(5),
                            java.time.Duration.ofMinutes(15))).bindTo(registry);
            // the first refresh on a busy machine may outlast the query timeout (connecting, loading the driver's code)
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                gauges.refresh();
                return true;
            });
            assertThat(registry.get("connectify.dead.letters.stored").tag("waiting_for", "operator").gauge().value())
                    .isZero();

            proxy.cutOnceSent("FROM dead_letter"); // the refresh's last query: its connection is taken by then

            // network timeout: twice the query timeout, 4 s
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(gauges::refresh)
                    .hasRootCauseInstanceOf(SocketTimeoutException.class));
            assertThat(proxy.cut()).as("cut mid-query").isTrue();
        }
    }
}
