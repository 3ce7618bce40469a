package io.connectify.hub.ops.cluster;

import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.integration.util.UUIDConverter;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * This instance's claim to its member id, so that two live instances never share one. The lease names its holder by
 * member id only, so two instances given the same {@code connectify.cluster.member-id} both renewed it and both led
 * (the default id, the host's name and a random suffix, cannot clash; an explicit one can, set for every replica).
 * Each start draws a random token and keeps it in a row of its own in the lease table (region
 * {@value #REGION}, key derived from the member id, CLIENT_ID the token), renewed every heartbeat (route
 * {@code ops-cluster-heartbeat}) with the database's time as the leases have it. A row another token renewed within
 * {@code connectify.cluster.lease-ttl} is another live instance's: this one then does not lead
 * ({@link ClusterLeaseRepository} neither takes nor renews the lease), says so as an ERROR, in its health (component
 * "cluster" DOWN) and by the gauge {@code connectify_cluster_member_duplicate}, and takes the row once it has gone a
 * lease-ttl unrenewed: a restart after a kill -9 finds its previous run's row and leads after at most a lease-ttl.
 */
public class MemberClaim implements MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(MemberClaim.class);

    /** The claims' region in CLUSTER_LOCK: apart from the election's and the heartbeats', which never see them. */
    static final String REGION = "connectify-members";

    private enum State { UNCLAIMED, OURS, ANOTHERS }

    private final JdbcTemplate jdbc;
    private final String memberId;
    private final String key;
    private final String token = UUID.randomUUID().toString(); // 36 characters, as CLIENT_ID holds
    private final Duration ttl;
    private volatile State state = State.UNCLAIMED;

    MemberClaim(DataSource dataSource, String memberId, Duration ttl) {
        this.jdbc = new JdbcTemplate(dataSource);
        jdbc.setQueryTimeout(LiveInstances.queryTimeoutSeconds(ttl)); // at most three statements a beat
        this.memberId = memberId;
        this.key = UUIDConverter.getUUID(memberId).toString();
        this.ttl = ttl;
    }

    /**
     * The claim renewed: this start's row renewed, or written where there is none or only an expired one (another
     * start's, gone a lease-ttl); a live row of another start leaves it another's. Claims of other ids expired are
     * removed. A change is logged: an ERROR when another live instance holds the id.
     */
    public synchronized boolean renew() {
        boolean ours = jdbc.update("UPDATE CLUSTER_LOCK SET CLIENT_ID=?, CREATED_DATE="
                + ClusterLeaseRepository.DATABASE_NOW + " WHERE REGION=? AND LOCK_KEY=? AND (CLIENT_ID=? OR CREATED_DATE<"
                + ClusterLeaseRepository.EXPIRED_BEFORE + ")", token, REGION, key, token, ttl.toMillis()) > 0;
        if (!ours) {
            try {
                ours = jdbc.update("INSERT INTO CLUSTER_LOCK (REGION, LOCK_KEY, CLIENT_ID, CREATED_DATE) "
                        + "VALUES (?, ?, ?, " + ClusterLeaseRepository.DATABASE_NOW + ")", REGION, key, token) > 0;
            } catch (DataIntegrityViolationException another) {
                ours = false; // written meanwhile by another start of this id (renew is synchronized: not this one's)
            }
        }
        jdbc.update("DELETE FROM CLUSTER_LOCK WHERE REGION=? AND CREATED_DATE<" + ClusterLeaseRepository.EXPIRED_BEFORE,
                REGION, ttl.toMillis());
        State before = state;
        state = ours ? State.OURS : State.ANOTHERS;
        if (!ours && before != State.ANOTHERS) {
            log.error("Cluster member id '{}' is in use by another live hub instance (its claim renewed within {}): "
                    + "this instance does not lead (no singleton route runs here) until that one is gone. Give each "
                    + "replica its own connectify.cluster.member-id (CONNECTIFY_CLUSTER_MEMBERID), or leave it unset; "
                    + "after a kill -9 and restart this clears within {}", memberId, ttl, ttl);
        } else if (ours && before == State.ANOTHERS) {
            log.info("Cluster member id '{}' claimed by this instance: the other one holding it is gone", memberId);
        }
        return ours;
    }

    /**
     * Whether this instance holds its member id, as its last renewal found (the first asked here, so that a start
     * leads no sooner than it knows).
     */
    public boolean ours() {
        return state == State.UNCLAIMED ? renew() : state == State.OURS;
    }

    /** Whether another live instance was found holding this member id at the last renewal. */
    public boolean usedByAnother() {
        return state == State.ANOTHERS;
    }

    /** At a stop: this start's claim removed (not another's), so a restart need not wait for it. Best effort. */
    public void release() {
        try {
            jdbc.update("DELETE FROM CLUSTER_LOCK WHERE REGION=? AND LOCK_KEY=? AND CLIENT_ID=?", REGION, key, token);
        } catch (RuntimeException unreachable) {
            log.warn("Cluster member {}: its claim not removed at stop ({}); it expires after {}", memberId,
                    unreachable.getClass().getSimpleName(), ttl);
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("connectify.cluster.member.duplicate", this, claim -> claim.usedByAnother() ? 1 : 0)
                .description("1 while another live hub instance holds this instance's cluster member id: this one "
                        + "does not lead")
                .register(registry);
    }
}
