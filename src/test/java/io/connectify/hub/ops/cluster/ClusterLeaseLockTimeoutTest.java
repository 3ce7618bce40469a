package io.connectify.hub.ops.cluster;

import static io.connectify.hub.ops.cluster.ClusterMembers.leading;
import static io.connectify.hub.ops.cluster.ClusterMembers.lease;
import static io.connectify.hub.ops.cluster.ClusterMembers.started;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import io.connectify.hub.support.Database;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.cluster.CamelClusterView;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.util.UUIDConverter;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The lease of the singleton routes while another transaction holds the lease's row longer than
 * connectify.database.lock-timeout: the leader waits for it and keeps leading (its singleton routes run on) while its
 * lease lasts, and renews the lease once the row is free; held longer, the leader stops leading before its lease runs
 * out, so no other member can take the lease while it still leads. A stopped member, leader or follower, does not wait
 * for the held row beyond its lease. On both databases the hub runs on, which report the held row differently: the
 * embedded H2 file (its default) as error 50200, SQLState HYT00, a SQLTimeoutException that Spring 6 translates to a
 * QueryTimeoutException, which JdbcLock already retries as transient; PostgreSQL as SQLState 55P03, which Spring 6
 * leaves uncategorized.
 */
class ClusterLeaseLockTimeoutTest {

    private static final String MEMBER = "test-leader";
    private static final Duration LOCK_TIMEOUT = Duration.ofMillis(300);
    /** Set where a test holds the row longer than the lease lasts; application.yaml's 10s otherwise. */
    private static final Duration SHORT_TTL = Duration.ofSeconds(2);
    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    @TempDir
    static Path h2Directory;

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aLeaderWhoseLeaseRowIsHeldPastTheLockTimeoutKeepsLeadingAndItsSingletonRoutesRunOn(Database database) {
        hub(database).run(context -> {
            CamelContext camel = leading(context);

            Timestamp renewedBefore;
            try (HeldLeaseRow held = HeldLeaseRow.hold(database)) {
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

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aLeaderWhoseLeaseRowIsHeldLongerThanItsLeaseLastsStopsLeadingBeforeTheLeaseRunsOutAndLeadsAgainOnceTheRowIsFree(
            Database database) {
        hub(database).withPropertyValues("connectify.cluster.lease-ttl=" + SHORT_TTL.toMillis() + "ms").run(context -> {
            CamelContext camel = leading(context);
            CamelClusterView view = context.getBean(DatabaseClusterService.class).getView(ClusterConfig.SINGLETONS);

            Timestamp renewedBefore;
            try (HeldLeaseRow held = HeldLeaseRow.hold(database)) {
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

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aLeaderStoppedWhileItsLeaseRowIsHeldWaitsForTheRowNoLongerThanItsLeaseLasts(Database database) {
        hub(database).withPropertyValues("connectify.cluster.lease-ttl=" + SHORT_TTL.toMillis() + "ms").run(context -> {
            CamelContext camel = leading(context);

            try (HeldLeaseRow held = HeldLeaseRow.hold(database)) {
                assertThat(held.member()).isEqualTo(MEMBER);
                camel.stop(); // releases the lease: a DELETE of the held row

                AtomicReference<LocalDateTime> lastWaiting = new AtomicReference<>(now());
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                        .during(LOCK_TIMEOUT.multipliedBy(2)).atMost(SHORT_TTL.plusSeconds(2))
                        .until(() -> {
                            boolean waiting = waitingForALock(database);
                            if (waiting) {
                                lastWaiting.set(now());
                            }
                            return !waiting;
                        });
                assertThat(lastWaiting.get()).isBefore(held.runsOut(SHORT_TTL));
            }
        });
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aFollowerWaitingForAnExpiredLeaseWhoseRowIsHeldCanBeStopped(Database database) {
        hub(database).run(context -> {
            CamelContext camel = withSingletonRoute(context);
            // a dead member's lease, long run out: the hub waits for its row to take it over
            JdbcClient.create(context.getBean(DataSource.class)).sql("INSERT INTO CLUSTER_LOCK "
                            + "(LOCK_KEY, REGION, CLIENT_ID, CREATED_DATE) VALUES (:key, 'connectify', 'dead-member', "
                            + ":renewed)")
                    .param("key", UUIDConverter.getUUID(ClusterConfig.SINGLETONS).toString())
                    .param("renewed", Timestamp.valueOf(now().minusHours(1)))
                    .update();
            try (HeldLeaseRow held = HeldLeaseRow.hold(database)) {
                assertThat(held.member()).isEqualTo("dead-member");
                camel.start();
                await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(5)).until(() -> waitingForALock(database));
                assertThat(started(camel)).isFalse();

                camel.stop();
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                        .during(LOCK_TIMEOUT.multipliedBy(2)).atMost(Duration.ofSeconds(2))
                        .until(() -> !waitingForALock(database));
            }
        });
    }

    /** The hub's singleton route on a fresh lease table. */
    private static CamelContext withSingletonRoute(AssertableApplicationContext context) throws Exception {
        JdbcClient.create(context.getBean(DataSource.class)).sql("DELETE FROM CLUSTER_LOCK").update();
        return ClusterMembers.withSingletonRoute(context);
    }

    /** As CREATED_DATE is written: UTC, by the database's clock, which is this machine's here. */
    private static LocalDateTime now() {
        return LocalDateTime.now(ZoneOffset.UTC);
    }

    /** Another transaction holding the lease's row, on a connection of the test's own (it never waits for a lock). */
    private static final class HeldLeaseRow implements AutoCloseable {

        private final Connection holder;
        private final String member;
        private final Timestamp renewed;

        private HeldLeaseRow(Connection holder, String member, Timestamp renewed) {
            this.holder = holder;
            this.member = member;
            this.renewed = renewed;
        }

        static HeldLeaseRow hold(Database database) throws SQLException {
            Connection holder = dataSource(database).getConnection();
            holder.setAutoCommit(false);
            try (ResultSet lease = holder.createStatement()
                    .executeQuery("SELECT CLIENT_ID, CREATED_DATE FROM CLUSTER_LOCK WHERE REGION = 'connectify' "
                            + "FOR UPDATE")) { // the lease's row, not the member's claim (MemberClaim)
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

    /** The database's URL: on H2, application.yaml's default file, in a directory of its own. */
    private static String url(Database database) {
        return database.url(Database.h2File(h2Directory), postgres);
    }

    /** Connections of the test's own, not the hub's pool: without connectify.database.lock-timeout. */
    private static DataSource dataSource(Database database) {
        return database.dataSource(Database.h2File(h2Directory), postgres);
    }

    /** Whether a session of the database, the hub's, waits for a lock: here, the held lease row. */
    private static boolean waitingForALock(Database database) {
        String waiting = switch (database) {
            case H2 -> "SELECT count(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL";
            case POSTGRESQL -> "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'";
        };
        return JdbcClient.create(dataSource(database)).sql(waiting).query(Integer.class).single() > 0;
    }

    private static ApplicationContextRunner hub(Database database) {
        return ClusterMembers.member(url(database), database.user(), MEMBER)
                .withPropertyValues("connectify.database.lock-timeout=" + LOCK_TIMEOUT.toMillis() + "ms");
    }
}
