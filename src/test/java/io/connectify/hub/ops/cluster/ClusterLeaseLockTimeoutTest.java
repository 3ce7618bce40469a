package io.connectify.hub.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Optional;

import javax.sql.DataSource;

import io.connectify.hub.ops.DatabaseLockTimeout;
import io.connectify.hub.ops.DatabaseProperties;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.RoutePolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The lease of the singleton routes on PostgreSQL, whose lock timeout Spring 6 leaves uncategorized: while another
 * transaction holds the lease's row longer than connectify.database.lock-timeout, the leader waits for it and keeps
 * leading (its singleton routes run on), and renews the lease once the row is free.
 */
class ClusterLeaseLockTimeoutTest {

    private static final String MEMBER = "test-leader";
    private static final Duration LOCK_TIMEOUT = Duration.ofMillis(300);
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stop() throws IOException {
        postgres.close();
    }

    @Test
    void aLeaderWhoseLeaseRowIsHeldPastTheLockTimeoutKeepsLeadingAndItsSingletonRoutesRunOn() {
        hub().run(context -> {
            CamelContext camel = leading(context);

            Timestamp renewedBefore;
            try (HeldLeaseRow held = HeldLeaseRow.hold()) {
                assertThat(held.member()).isEqualTo(MEMBER);
                renewedBefore = held.renewed();
                // five lock timeouts, several heartbeats: each renewal of the leader waits for the row and gives up
                await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                        .until(() -> started(camel));
            }

            await().atMost(Duration.ofSeconds(5)).until(() -> lease(context)
                    .filter(lease -> lease.member().equals(MEMBER) && lease.renewed().after(renewedBefore))
                    .isPresent());
            assertThat(started(camel)).isTrue();
        });
    }

    /** The hub with a fresh lease table, its singleton route started: it leads. */
    private static CamelContext leading(AssertableApplicationContext context) throws Exception {
        CamelContext camel = withSingletonRoute(context);
        camel.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> started(camel));
        return camel;
    }

    private static CamelContext withSingletonRoute(AssertableApplicationContext context) throws Exception {
        JdbcClient.create(context.getBean(DataSource.class)).sql("DELETE FROM CLUSTER_LOCK").update();
        CamelContext camel = context.getBean(CamelContext.class);
        RoutePolicy singleton = context.getBean("singletonRoutePolicy", RoutePolicy.class);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:singleton?period=100").routeId("singleton").routePolicy(singleton).log("tick");
            }
        });
        return camel;
    }

    private static boolean started(CamelContext camel) {
        return camel.getRouteController().getRouteStatus("singleton").isStarted();
    }

    private static Optional<Lease> lease(AssertableApplicationContext context) {
        return JdbcClient.create(context.getBean(DataSource.class))
                .sql("SELECT CLIENT_ID, CREATED_DATE FROM CLUSTER_LOCK")
                .query((row, n) -> new Lease(row.getString(1).trim(), row.getTimestamp(2))).optional();
    }

    private record Lease(String member, Timestamp renewed) {
    }

    /** Another transaction holding the lease's row, on a connection with no lock timeout of its own. */
    private static final class HeldLeaseRow implements AutoCloseable {

        private final Connection holder;
        private final String member;
        private final Timestamp renewed;

        private HeldLeaseRow(Connection holder, String member, Timestamp renewed) {
            this.holder = holder;
            this.member = member;
            this.renewed = renewed;
        }

        static HeldLeaseRow hold() throws SQLException {
            Connection holder = postgres.getPostgresDatabase().getConnection();
            holder.setAutoCommit(false);
            try (ResultSet lease = holder.createStatement()
                    .executeQuery("SELECT CLIENT_ID, CREATED_DATE FROM CLUSTER_LOCK FOR UPDATE")) {
                assertThat(lease.next()).isTrue();
                return new HeldLeaseRow(holder, lease.getString(1).trim(), lease.getTimestamp(2));
            }
        }

        String member() {
            return member;
        }

        Timestamp renewed() {
            return renewed;
        }

        @Override
        public void close() throws SQLException {
            holder.rollback();
            holder.close();
        }
    }

    private static ApplicationContextRunner hub() {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yaml, as at start
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class, FlywayAutoConfiguration.class))
                .withUserConfiguration(Leases.class)
                .withPropertyValues("spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                        "spring.datasource.username=postgres",
                        "connectify.database.lock-timeout=" + LOCK_TIMEOUT.toMillis() + "ms",
                        "connectify.cluster.member-id=" + MEMBER,
                        "connectify.cluster.heartbeat=200ms");
    }

    @EnableConfigurationProperties({DatabaseProperties.class, ClusterProperties.class})
    @Import({DatabaseLockTimeout.class, ClusterConfig.class})
    static class Leases {

        @Bean
        CamelContext camelContext() {
            return new DefaultCamelContext();
        }
    }
}
