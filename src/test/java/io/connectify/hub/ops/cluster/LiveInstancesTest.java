package io.connectify.hub.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.connectify.hub.support.Database;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two hub instances counting each other by their heartbeat rows (the divisor of the cluster-wide rates), on both
 * databases the hub runs on: ClusterRateShareTest runs the heartbeat route on H2 only, and the SQL (the database's
 * time, a lease-ttl bound in milliseconds) is written for both. A row's age is the database's clock's: here a row is
 * aged by setting its time back on that clock, as an instance that stopped beating leaves it.
 */
class LiveInstancesTest {

    /** Long, so the rows aged either side of it stay there should the machine stall before the count (10 s each). */
    private static final Duration TTL = Duration.ofSeconds(30);
    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void twoInstancesBeatingCountEachOtherEachByItsOwnRow(Database database) {
        JdbcClient jdbc = migratedAfresh(database);
        var first = instance(database, "hub-1");
        var second = instance(database, "hub-2");

        first.beat();
        assertThat(first.count()).isEqualTo(1);
        second.beat();
        first.beat();
        first.beat(); // its row renewed, not written again

        assertThat(first.count()).isEqualTo(2);
        assertThat(second.count()).isEqualTo(2);
        assertThat(jdbc.sql("SELECT TRIM(CLIENT_ID) FROM CLUSTER_LOCK WHERE REGION = ? ORDER BY CLIENT_ID")
                .param(LiveInstances.REGION).query(String.class).list()).containsExactly("hub-1", "hub-2");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM CLUSTER_LOCK WHERE REGION <> ?").param(LiveInstances.REGION)
                .query(Integer.class).single()).as("no row outside the heartbeats' region").isZero();
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void anInstanceWhoseRowIsALeaseTtlOldByTheDatabasesClockIsGoneUntilItBeatsAgain(Database database) {
        JdbcClient jdbc = migratedAfresh(database);
        var first = instance(database, "hub-1");
        var second = instance(database, "hub-2");
        AtomicInteger changes = new AtomicInteger();
        first.onChange(changes::incrementAndGet);
        second.beat();
        first.beat();
        assertThat(first.count()).isEqualTo(2);

        lastBeatAgo(jdbc, "hub-2", 20); // within the lease-ttl: live
        first.beat();
        assertThat(first.count()).isEqualTo(2);

        lastBeatAgo(jdbc, "hub-2", 40); // a lease-ttl (30 s) and more: gone, its row removed
        first.beat();
        assertThat(first.count()).isEqualTo(1);
        assertThat(rows(jdbc, "hub-2")).isZero();

        second.beat(); // back (a pause longer than the lease-ttl): its row written anew
        first.beat();
        assertThat(first.count()).isEqualTo(2);
        assertThat(changes.get()).as("2, 1, 2: each change handed to the listeners once").isEqualTo(3);
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void anInstanceThatLeavesIsGoneAtTheOthersNextHeartbeat(Database database) {
        JdbcClient jdbc = migratedAfresh(database);
        var first = instance(database, "hub-1");
        var second = instance(database, "hub-2");
        for (LiveInstances instance : List.of(first, second, first)) {
            instance.beat();
        }

        second.leave();
        first.beat();

        assertThat(first.count()).isEqualTo(1);
        assertThat(rows(jdbc, "hub-2")).isZero();
        assertThat(rows(jdbc, "hub-1")).isOne();
    }

    /**
     * A heartbeat the database holds up (here its row held by another transaction; PostgreSQL waits for it without end
     * on a connection with no lock_timeout) fails within the lease-ttl, so the next one can count again. Before, it
     * waited as long as the row was held, and no change of the count reached the rate limiters meanwhile.
     */
    @Test
    void aHeartbeatTheDatabaseHoldsUpFailsWithinTheLeaseTtl() throws Exception {
        migratedAfresh(Database.POSTGRESQL);
        Duration ttl = Duration.ofSeconds(4); // a statement's timeout 1 s
        var instance = new LiveInstances(dataSource(Database.POSTGRESQL), "hub-1", ttl);
        instance.beat();
        try (Connection holder = dataSource(Database.POSTGRESQL).getConnection();
             Statement statement = holder.createStatement()) {
            holder.setAutoCommit(false);
            statement.execute("SELECT * FROM CLUSTER_LOCK WHERE REGION = '" + LiveInstances.REGION + "' FOR UPDATE");

            assertTimeoutPreemptively(ttl, () -> assertThatThrownBy(instance::beat)
                    .isInstanceOf(DataAccessException.class));
            holder.rollback();
        }
        instance.beat();
        assertThat(instance.count()).isOne();
    }

    /** The instance's row as its last heartbeat would have left it that many seconds ago, by the database's clock. */
    private static void lastBeatAgo(JdbcClient jdbc, String member, int seconds) {
        assertThat(jdbc.sql("UPDATE CLUSTER_LOCK SET CREATED_DATE = " + ClusterLeaseRepository.DATABASE_NOW
                        + " - INTERVAL '" + seconds + "' SECOND WHERE REGION = ? AND CLIENT_ID = ?")
                .params(LiveInstances.REGION, member).update()).isOne();
    }

    private static int rows(JdbcClient jdbc, String member) {
        return jdbc.sql("SELECT COUNT(*) FROM CLUSTER_LOCK WHERE REGION = ? AND CLIENT_ID = ?")
                .params(LiveInstances.REGION, member).query(Integer.class).single();
    }

    /** An instance counting the live ones on {@code database}, lease-ttl 30 s. */
    private static LiveInstances instance(Database database, String member) {
        return new LiveInstances(dataSource(database), member, TTL);
    }

    private static DataSource dataSource(Database database) {
        return database.dataSource("jdbc:h2:mem:live-instances;DB_CLOSE_DELAY=-1", postgres);
    }

    /** The database emptied and migrated as the hub migrates it; a client of it. */
    private static JdbcClient migratedAfresh(Database database) {
        DataSource dataSource = dataSource(database);
        Flyway.configure().dataSource(dataSource).cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(dataSource).load().migrate();
        return JdbcClient.create(dataSource);
    }
}
