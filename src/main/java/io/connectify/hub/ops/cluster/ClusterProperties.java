package io.connectify.hub.ops.cluster;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Leader election over the shared database, for the singleton routes.
 *
 * @param memberId     this instance's name in the lease table (empty: host name and a random suffix)
 * @param leaseTtl     how long a lease outlives its last renewal: a killed leader is replaced after about this long
 * @param heartbeat    how often the leader renews its lease and the others try to take it; well below lease-ttl
 * @param initialDelay how long a new leader waits before it starts the singleton routes
 * @param rateScope    whose the configured provider rates and notification throttle are: the whole cluster's
 *                     (divided among the live instances, {@link RateShare}) or each instance's; unset: cluster
 * @param expectedReplicas how many hub instances the deployment runs (compose's deploy.replicas), published as the
 *                     gauge connectify.cluster.expected.replicas for the alert HubReplicaMissing; unset: 1
 */
@ConfigurationProperties("connectify.cluster")
public record ClusterProperties(String memberId, Duration leaseTtl, Duration heartbeat, Duration initialDelay,
                                RateShare.Scope rateScope, Integer expectedReplicas) {

    /** Spring Integration's lease table takes its TTL as a 32-bit count of milliseconds. */
    private static final Duration LONGEST_LEASE = Duration.ofMillis(Integer.MAX_VALUE);
    private static final Duration SHORTEST_HEARTBEAT = Duration.ofMillis(100);

    public ClusterProperties {
        rateScope = rateScope == null ? RateShare.Scope.CLUSTER : rateScope;
        expectedReplicas = expectedReplicas == null ? 1 : (int) PropertyChecks.atLeast(
                "connectify.cluster.expected-replicas", expectedReplicas, 1, "how many hub instances run");
        PropertyChecks.positive("connectify.cluster.lease-ttl", leaseTtl, "how long a lease outlives its renewal");
        PropertyChecks.positive("connectify.cluster.heartbeat", heartbeat, "how often the leader renews its lease");
        if (leaseTtl.compareTo(LONGEST_LEASE) > 0) {
            // cast to an int, 25d was a negative TTL, every lease expired: each member took it from the leader at
            // its next attempt, and the leader took it back at its next renewal, both leading
            throw ConfigurationError.invalid("connectify.cluster.lease-ttl must be at most "
                    + LONGEST_LEASE.toDays() + "d (the lease table takes whole milliseconds as a 32-bit count), not "
                    + leaseTtl);
        }
        if (heartbeat.compareTo(SHORTEST_HEARTBEAT) < 0) {
            // the election pauses heartbeat / 2 between a follower's attempts and the lock heartbeat / 4 between its
            // tries, in whole milliseconds: under 4ms one of them is 0, a busy loop on the lease table; far below
            // 100ms the members ask the database for the lease hundreds of times a second to gain nothing
            throw ConfigurationError.invalid("connectify.cluster.heartbeat must be at least " + SHORTEST_HEARTBEAT
                    .toMillis() + "ms (shorter, the members ask the database for the lease without a pause), not "
                    + heartbeat);
        }
        if (heartbeat.compareTo(leaseTtl) >= 0) {
            // the lease would run out before the leader renews it: another instance takes it, and two lead in turns
            throw ConfigurationError.mismatch("connectify.cluster.heartbeat (" + heartbeat + ") must be shorter than "
                    + "connectify.cluster.lease-ttl (" + leaseTtl + "): the leader's lease would expire between "
                    + "its renewals and the singleton routes move from instance to instance",
                    "connectify.cluster.heartbeat", "connectify.cluster.lease-ttl");
        }
    }

    /**
     * How much of its lease a leader keeps when it gives the lease up because another transaction holds the lease's
     * row ({@link ClusterLeaseRepository}): a lock timeout for the renewal retried at once, a heartbeat to stop the
     * singleton routes. The lease must be longer than that margin and a heartbeat more: the sweeps take an item only
     * while more than the margin is left of the lease since its last renewal ({@link SingletonLease}), and the leader
     * renews it a heartbeat after the last, so with less the sweeps stopped early for part of every renewal cycle,
     * with the database well. The lock timeout is another record's ({@code connectify.database}), so this is checked
     * where both are bound, as the lease repository is made (a bean method: it runs with Spring AOT's bean definitions
     * too).
     */
    Duration giveUpMargin(Duration lockTimeout) {
        Duration margin = lockTimeout.plus(heartbeat);
        Duration shortest = margin.plus(heartbeat);
        if (leaseTtl.compareTo(margin) <= 0) {
            throw ConfigurationError.mismatch("connectify.cluster.lease-ttl (" + leaseTtl + ") must be longer than "
                    + "connectify.database.lock-timeout (" + lockTimeout + ") + connectify.cluster.heartbeat ("
                    + heartbeat + ") = " + margin + ": a leader whose lease row another transaction holds gives the "
                    + "lease up once no more than that is left of it, so it would give it up at once at every held "
                    + "row, and its renewal, a heartbeat after the last and waiting up to a lock timeout for the row, "
                    + "would fail only once the lease had run out, when another instance may have taken it; "
                    + "longer than " + shortest + " (lock-timeout + 2 x heartbeat), so that the sweeps run on "
                    + "between renewals", "connectify.cluster.lease-ttl",
                    "connectify.database.lock-timeout", "connectify.cluster.heartbeat");
        }
        if (leaseTtl.compareTo(shortest) <= 0) {
            throw ConfigurationError.mismatch("connectify.cluster.lease-ttl (" + leaseTtl + ") must be longer than "
                    + "connectify.database.lock-timeout (" + lockTimeout + ") + 2 x connectify.cluster.heartbeat ("
                    + heartbeat + ") = " + shortest + ": the singleton routes' sweeps take an item only while more "
                    + "than lock-timeout + heartbeat (" + margin + ") is left of the lease since its last renewal, "
                    + "and the leader renews it a heartbeat after the last, so with a shorter lease every sweep would "
                    + "stop early for part of each renewal cycle, its items left to a later run",
                    "connectify.cluster.lease-ttl", "connectify.database.lock-timeout", "connectify.cluster.heartbeat");
        }
        return margin;
    }
}
