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
 * <p>
 * An instance whose own heartbeat has not succeeded for the TTL is {@link #cutOff() cut off}: the others no longer
 * count it (its row is older than the TTL by the database's clock) and take its share, so it takes the smallest share
 * until a heartbeat succeeds again, rather than keep the one it last counted and let the cluster exceed its rates.
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
    /**
     * When the last heartbeat that succeeded started (System.nanoTime): its row is at least as young as that. Before
     * any, when the first started: a context's start before it (seconds on a loaded machine) cuts nothing off.
     */
    private volatile long lastBeatStarted;
    private volatile boolean beating;
    /** A heartbeat failed with the last success a TTL or more ago: the listeners were told, and are again at the next. */
    private volatile boolean cutOffSeen;

    LiveInstances(DataSource dataSource, String memberId, Duration ttl) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.memberId = memberId;
        this.key = UUIDConverter.getUUID(memberId).toString();
        this.ttl = ttl;
    }

    /**
     * This instance's heartbeat: its row renewed (written anew if another instance removed it as expired: a pause
     * longer than the TTL), the rows expired removed, the live ones counted. A change of the count is logged and
     * handed to the listeners (the rate limiters), in this thread; so is the first failure a TTL or more after the last
     * success (this instance cut off) and the first success after it.
     */
    public void beat() {
        long started = System.nanoTime();
        if (!beating) {
            lastBeatStarted = started;
            beating = true;
        }
        int now;
        try {
            now = countLive();
        } catch (RuntimeException failed) {
            if (!cutOffSeen && cutOff()) {
                cutOffSeen = true;
                log.warn("Cluster member {}: no heartbeat for {} or more ({}): the others no longer count this "
                        + "instance, it takes the smallest share of the cluster's rates until its heartbeat succeeds",
                        memberId, ttl, failed.getClass().getSimpleName());
                listeners.forEach(Runnable::run);
            }
            throw failed;
        }
        // a share read meanwhile may have been the smallest (a limiter made then): the listeners set it again
        boolean wasCutOff = cutOffSeen || cutOff();
        lastBeatStarted = started;
        cutOffSeen = false;
        int before = count;
        count = now;
        if (now != before) {
            log.info("Cluster member {}: {} live hub instance(s), {} before", memberId, now, before);
        }
        if (now != before || wasCutOff) {
            listeners.forEach(Runnable::run);
        }
    }

    /** This instance's row renewed (or written), the expired rows removed, the live ones counted: at least 1. */
    private int countLive() {
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
        return Math.max(1, live == null ? 1 : live);
    }

    /** The live instances at the last heartbeat, this one included: at least 1. */
    public int count() {
        return count;
    }

    /**
     * No heartbeat has succeeded for the TTL or more: the other instances no longer count this one. Read from the
     * time, so a heartbeat still waiting for the database (up to a pool's connection timeout) does not hold it back.
     */
    public boolean cutOff() {
        return beating && System.nanoTime() - lastBeatStarted >= ttl.toNanos();
    }

    /** Called after each change of {@link #count()} or {@link #cutOff()} (that one seen at a heartbeat). */
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
