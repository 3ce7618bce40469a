package io.connectify.hub.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import io.connectify.hub.ops.DatabaseLockTimeout;
import io.connectify.hub.ops.DatabaseProperties;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.cluster.CamelClusterView;
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
import org.springframework.integration.util.UUIDConverter;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The lease of the singleton routes on PostgreSQL, whose lock timeout Spring 6 leaves uncategorized, while another
 * transaction holds the lease's row longer than connectify.database.lock-timeout: the leader waits for it and keeps
 * leading (its singleton routes run on) while its lease lasts, and renews the lease once the row is free; held
 * longer, the leader stops leading before its lease runs out, so no other member can take the lease while it still
 * leads. A stopped member, leader or follower, does not wait for the held row beyond its lease.
 */
class ClusterLeaseLockTimeoutTest {

    private static final String MEMBER = "test-leader";
    private static final Duration LOCK_TIMEOUT = Duration.ofMillis(300);
    /** Set where a test holds the row longer than the lease lasts; application.yaml's 10s otherwise. */
    private static final Duration SHORT_TTL = Duration.ofSeconds(2);
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

    @Test
    void aLeaderWhoseLeaseRowIsHeldLongerThanItsLeaseLastsStopsLeadingBeforeTheLeaseRunsOutAndLeadsAgainOnceTheRowIsFree() {
        hub().withPropertyValues("connectify.cluster.lease-ttl=" + SHORT_TTL.toMillis() + "ms").run(context -> {
            CamelContext camel = leading(context);
            CamelClusterView view = context.getBean(DatabaseClusterService.class).getView(ClusterConfig.SINGLETONS);

            Timestamp renewedBefore;
            try (HeldLeaseRow held = HeldLeaseRow.hold()) {
                assertThat(held.member()).isEqualTo(MEMBER);
                renewedBefore = held.renewed();
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).atMost(SHORT_TTL.plusSeconds(1))
                        .until(() -> !started(camel));
                assertThat(now()).isBefore(held.runsOut(SHORT_TTL));
                assertThat(view.getLeader()).isEmpty();
            }

            await().atMost(Duration.ofSeconds(5)).until(() -> started(camel));
            assertThat(view.getLeader()).hasValueSatisfying(leader -> assertThat(leader.isLocal()).isTrue());
            assertThat(lease(context)).hasValueSatisfying(lease -> {
                assertThat(lease.member()).isEqualTo(MEMBER);
                assertThat(lease.renewed()).isAfter(renewedBefore);
            });
        });
    }

    @Test
    void aLeaderStoppedWhileItsLeaseRowIsHeldWaitsForTheRowNoLongerThanItsLeaseLasts() {
        hub().withPropertyValues("connectify.cluster.lease-ttl=" + SHORT_TTL.toMillis() + "ms").run(context -> {
            CamelContext camel = leading(context);

            try (HeldLeaseRow held = HeldLeaseRow.hold()) {
                assertThat(held.member()).isEqualTo(MEMBER);
                camel.stop(); // releases the lease: a DELETE of the held row

                AtomicReference<LocalDateTime> lastWaiting = new AtomicReference<>(now());
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                        .during(LOCK_TIMEOUT.multipliedBy(2)).atMost(SHORT_TTL.plusSeconds(2))
                        .until(() -> {
                            boolean waiting = waitingForALock();
                            if (waiting) {
                                lastWaiting.set(now());
                            }
                            return !waiting;
                        });
                assertThat(lastWaiting.get()).isBefore(held.runsOut(SHORT_TTL));
            }
        });
    }

    @Test
    void aFollowerWaitingForAnExpiredLeaseWhoseRowIsHeldCanBeStopped() {
        hub().run(context -> {
            CamelContext camel = withSingletonRoute(context);
            // a dead member's lease, long run out: the hub waits for its row to take it over
            JdbcClient.create(context.getBean(DataSource.class)).sql("INSERT INTO CLUSTER_LOCK "
                            + "(LOCK_KEY, REGION, CLIENT_ID, CREATED_DATE) VALUES (:key, 'connectify', 'dead-member', "
                            + ":renewed)")
                    .param("key", UUIDConverter.getUUID(ClusterConfig.SINGLETONS).toString())
                    .param("renewed", Timestamp.valueOf(now().minusHours(1)))
                    .update();
            try (HeldLeaseRow held = HeldLeaseRow.hold()) {
                assertThat(held.member()).isEqualTo("dead-member");
                camel.start();
                await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(5))
                        .until(ClusterLeaseLockTimeoutTest::waitingForALock);
                assertThat(started(camel)).isFalse();

                camel.stop();
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                        .during(LOCK_TIMEOUT.multipliedBy(2)).atMost(Duration.ofSeconds(2))
                        .until(() -> !waitingForALock());
            }
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

    /** Whether a session of the database, the hub's, waits for a lock: here, the held lease row. */
    private static boolean waitingForALock() {
        return JdbcClient.create(postgres.getPostgresDatabase())
                .sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                .query(Integer.class).single() > 0;
    }

    /** As DefaultLockRepository writes CREATED_DATE: UTC, from the member's clock, this JVM's here. */
    private static LocalDateTime now() {
        return LocalDateTime.now(ZoneOffset.UTC);
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

        /** The last renewal before the row was held: the leader cannot renew while it is. */
        Timestamp renewed() {
            return renewed;
        }

        /** When another member may take the lease. */
        LocalDateTime runsOut(Duration ttl) {
            return renewed.toLocalDateTime().plus(ttl);
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
