package io.connectify.hub.ops.cluster;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
 * How many hub instances share the database now: each instance writes a heartbeat row every
 * {@code connectify.cluster.heartbeat} (route {@code ops-cluster-heartbeat}, on every instance) and counts the rows
 * younger than {@code connectify.cluster.lease-ttl}. The rows are in the lease table ({@code CLUSTER_LOCK}) under a
 * region of their own, one per instance (key derived from its member id, CLIENT_ID its member id), with the
 * database's time as the leases have it, so the instances' clocks play no part. The leader election's rows name only
 * the leader, which is why the instances need rows of their own. What the count is for: each instance's share of a
 * cluster-wide rate ({@link RateShare}). The gauge {@code connectify_cluster_instances} shows it.
 */
public class LiveInstances implements MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(LiveInstances.class);

    /** The heartbeat rows' region in CLUSTER_LOCK: apart from the election's ("connectify"), which never sees them. */
    static final String REGION = "connectify-instances";

    private final JdbcTemplate jdbc;
    private final String memberId;
    private final String key;
    private final Duration ttl;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** This instance alone until its first heartbeat has counted the others. */
    private volatile int count = 1;

    LiveInstances(DataSource dataSource, String memberId, Duration ttl) {
        this.jdbc = new JdbcTemplate(dataSource);
        // a hung statement (a held row, a stalled server) fails the heartbeat rather than stall it, and with it every
        // change of the count, for ever: a beat's at most four statements end within the TTL (JDBC: whole seconds)
        jdbc.setQueryTimeout(queryTimeoutSeconds(ttl));
        this.memberId = memberId;
        this.key = UUIDConverter.getUUID(memberId).toString();
        this.ttl = ttl;
    }

    /** Each heartbeat statement's timeout: a quarter of the TTL, in whole seconds, at least 1. */
    static int queryTimeoutSeconds(Duration ttl) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ttl.dividedBy(4).toSeconds()));
    }

    /**
     * This instance's heartbeat: its row renewed (written anew if another instance removed it as expired: a pause
     * longer than the TTL), the rows expired removed, the live ones counted. A change of the count is logged and
     * handed to the listeners (the rate limiters), in this thread.
     */
    public void beat() {
        if (jdbc.update("UPDATE CLUSTER_LOCK SET CREATED_DATE=" + ClusterLeaseRepository.DATABASE_NOW
                + " WHERE REGION=? AND LOCK_KEY=?", REGION, key) == 0) {
            try {
                jdbc.update("INSERT INTO CLUSTER_LOCK (REGION, LOCK_KEY, CLIENT_ID, CREATED_DATE) VALUES (?, ?, ?, "
                        + ClusterLeaseRepository.DATABASE_NOW + ")", REGION, key, memberId);
            } catch (DataIntegrityViolationException written) {
                // written meanwhile by this instance's previous beat still running: live either way
            }
        }
        jdbc.update("DELETE FROM CLUSTER_LOCK WHERE REGION=? AND CREATED_DATE<" + ClusterLeaseRepository.EXPIRED_BEFORE,
                REGION, ttl.toMillis());
        Integer live = jdbc.queryForObject("SELECT COUNT(*) FROM CLUSTER_LOCK WHERE REGION=? AND CREATED_DATE>="
                + ClusterLeaseRepository.EXPIRED_BEFORE, Integer.class, REGION, ttl.toMillis());
        int now = Math.max(1, live == null ? 1 : live);
        int before = count;
        count = now;
        if (now != before) {
            log.info("Cluster member {}: {} live hub instance(s), {} before", memberId, now, before);
            listeners.forEach(Runnable::run);
        }
    }

    /** The live instances at the last heartbeat, this one included: at least 1. */
    public int count() {
        return count;
    }

    /** Called after each change of {@link #count()}. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * At a stop: this instance's row removed, so the others take its share at their next heartbeat rather than
     * after the TTL. Best effort: a database out of reach leaves the row to expire.
     */
    public void leave() {
        try {
            jdbc.update("DELETE FROM CLUSTER_LOCK WHERE REGION=? AND LOCK_KEY=?", REGION, key);
        } catch (RuntimeException unreachable) {
            log.warn("Cluster member {}: heartbeat row not removed at stop ({}); it expires after {}", memberId,
                    unreachable.getClass().getSimpleName(), ttl);
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("connectify.cluster.instances", this, LiveInstances::count)
                .description("Live hub instances sharing the database, as this instance counted them at its last "
                        + "heartbeat (the divisor of the cluster-wide rates)")
                .register(registry);
    }
}
