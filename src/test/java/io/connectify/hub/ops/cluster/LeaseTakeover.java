package io.connectify.hub.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.integration.util.UUIDConverter;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The singleton routes' lease taken from the hub instance under test as another member would take it once it had run
 * out, and given back (the other member gone), in the instance's own database.
 */
final class LeaseTakeover {

    static final String ANOTHER_MEMBER = "another-member";
    private static final String LOCK = UUIDConverter.getUUID(ClusterConfig.SINGLETONS).toString();

    private LeaseTakeover() {
    }

    /**
     * The lease's row another member's, written now by the database's clock (as a member taking the expired lease
     * writes it), and this instance's next renewal made: it finds the row another's, so this instance no longer holds
     * the lease; the election's own renewal then finds the same and revokes the leadership.
     */
    static void takenByAnotherMember(JdbcClient jdbc, ClusterLeaseRepository leases) {
        assertThat(jdbc.sql("UPDATE CLUSTER_LOCK SET CLIENT_ID = :other, CREATED_DATE = "
                        + ClusterLeaseRepository.DATABASE_NOW + " WHERE LOCK_KEY = :lock")
                .param("other", ANOTHER_MEMBER).param("lock", LOCK).update()).isEqualTo(1);
        assertThat(leases.acquire(LOCK)).as("the renewal finds the lease taken").isFalse();
    }

    /** The other member gone: its row deleted, this instance takes the lease at its next renewal. */
    static void givenBack(JdbcClient jdbc) {
        jdbc.sql("DELETE FROM CLUSTER_LOCK WHERE CLIENT_ID = :other").param("other", ANOTHER_MEMBER).update();
    }
}
