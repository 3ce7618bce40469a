package io.connectify.hub.ops.cluster;

import static io.connectify.hub.ops.cluster.ClusterMembers.leading;
import static io.connectify.hub.ops.cluster.ClusterMembers.started;
import static io.connectify.hub.ops.cluster.ClusterMembers.withSingletonRoute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import javax.sql.DataSource;

import io.connectify.hub.support.Database;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.util.UUIDConverter;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two hub instances given the same {@code connectify.cluster.member-id} (every replica configured alike), on one
 * database, both databases the hub runs on: the lease names its holder by member id, so before, the second renewed
 * the first's lease as its own and both ran the singleton routes. Now each start claims its member id
 * ({@link MemberClaim}); a live claim of another start keeps it from leading, and one gone a lease-ttl (a kill -9's,
 * application.yaml's 10 s) is taken over. The claims are renewed here as the heartbeat route renews them.
 */
class ClusterMemberIdClashTest {

    private static final String SHARED = "hub-replica";
    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aSecondInstanceWithTheSameMemberIdDoesNotLeadWhileTheFirstLeads(Database database) {
        member(database).run(first -> member(database).run(second -> {
            CamelContext leading = leading(first);
            CamelContext clashing = withSingletonRoute(second);
            clashing.start();

            // the election asks every 100 ms, the first's claim renewed as its heartbeat would
            await("only the first leads").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                    .until(() -> first.getBean(MemberClaim.class).renew() && started(leading) && !started(clashing));
            clashing.stop();
            leading.stop();
        }));
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void theInstanceThatFindsItsMemberIdInUseSaysSoInItsHealthAndGauge(Database database) {
        member(database).run(first -> member(database).run(second -> {
            CamelContext leading = leading(first);
            MemberClaim claim = second.getBean(MemberClaim.class);

            assertThat(claim.renew()).isFalse();

            var health = new ClusterHealthIndicator(second.getBean(DatabaseClusterService.class), claim).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("member", SHARED).containsKey("memberIdInUse");
            var meters = new SimpleMeterRegistry();
            claim.bindTo(meters);
            assertThat(meters.get("connectify.cluster.member.duplicate").gauge().value()).isEqualTo(1.0);
            MemberClaim firsts = first.getBean(MemberClaim.class);
            assertThat(firsts.renew()).as("the first keeps its claim").isTrue();
            assertThat(new ClusterHealthIndicator(first.getBean(DatabaseClusterService.class), firsts).health()
                    .getStatus()).isEqualTo(Status.UP);

            // the first stops (its claim removed): the second claims the id at its next heartbeat
            leading.stop();
            first.getBean(MemberClaim.class).release();
            assertThat(claim.renew()).isTrue();
            assertThat(meters.get("connectify.cluster.member.duplicate").gauge().value()).isZero();
            assertThat(new ClusterHealthIndicator(second.getBean(DatabaseClusterService.class), claim).health()
                    .getStatus()).isEqualTo(Status.UP);
        }));
    }

    /**
     * A restart after a kill -9: its previous run's claim (renewed just now by the database's clock, as a killed run
     * leaves it) and lease are there. It does not lead while that claim is live, and leads once it has gone a lease-ttl
     * unrenewed (aged here on the database's clock): waiting for it is the price, never a start refused for good.
     */
    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aRestartAfterAKillLeadsOnceItsPreviousRunsClaimHasExpired(Database database) {
        member(database).run(restarted -> {
            JdbcClient jdbc = JdbcClient.create(restarted.getBean(DataSource.class));
            jdbc.sql("DELETE FROM CLUSTER_LOCK").update();
            String key = UUIDConverter.getUUID(SHARED).toString();
            jdbc.sql("INSERT INTO CLUSTER_LOCK (REGION, LOCK_KEY, CLIENT_ID, CREATED_DATE) VALUES (:region, :key, "
                            + "'previous-run-token-0000000000000000', " + ClusterLeaseRepository.DATABASE_NOW + ")")
                    .param("region", MemberClaim.REGION).param("key", key).update();
            jdbc.sql("INSERT INTO CLUSTER_LOCK (REGION, LOCK_KEY, CLIENT_ID, CREATED_DATE) VALUES ('connectify', "
                            + ":key, :member, " + ClusterLeaseRepository.DATABASE_NOW + ")")
                    .param("key", UUIDConverter.getUUID(ClusterConfig.SINGLETONS).toString()).param("member", SHARED)
                    .update();
            CamelContext camel = withSingletonRoute(restarted);
            camel.start();
            await("not leading while its previous run's claim is live").during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3)).until(() -> !started(camel));
            assertThat(restarted.getBean(MemberClaim.class).usedByAnother()).isTrue();

            jdbc.sql("UPDATE CLUSTER_LOCK SET CREATED_DATE = " + ClusterLeaseRepository.DATABASE_NOW
                    + " - INTERVAL '11' SECOND WHERE REGION = :region").param("region", MemberClaim.REGION).update();
            assertThat(restarted.getBean(MemberClaim.class).renew()).as("the heartbeat takes the expired claim")
                    .isTrue();

            await().atMost(Duration.ofSeconds(5)).until(() -> started(camel));
            camel.stop();
        });
    }

    private static ApplicationContextRunner member(Database database) {
        return ClusterMembers.member(database.url("jdbc:h2:mem:cluster-member-clash;DB_CLOSE_DELAY=-1", postgres),
                database.user(), SHARED);
    }
}
