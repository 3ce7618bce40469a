package io.connectify.hub.ops.cluster;

import java.util.function.BooleanSupplier;

import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.spi.RoutePolicy;
import org.springframework.integration.util.UUIDConverter;

/**
 * Whether this instance still holds the lease of the singleton routes, asked by a sweep before each of its items: a
 * lost lease stops the routes' timers, not a run under way, which went on through its whole batch while the next
 * leader swept the same items. From memory, no statement: the instance leads ({@link DatabaseClusterView}) and its
 * lease, counted from the start of its last successful renewal, has more than the give-up margin
 * ({@code connectify.database.lock-timeout} + {@code connectify.cluster.heartbeat}) left
 * ({@link ClusterLeaseRepository#heldBeyondMargin}). So a renewal that found another member's row, a lease given up,
 * or a renewal late (the database slow, or the process paused by a long GC, through which System.nanoTime, its
 * count, runs on) stops the run at its next item; the next leader's run takes the rest. The item under way runs on, so the sweeps still bear an
 * overlap (see the README, Scale-out), only no longer a whole batch of it.
 */
public class SingletonLease {

    /** The lock JdbcLockRegistry takes for the namespace, as LockRegistryLeaderInitiator obtains it by its role. */
    private static final String LOCK = UUIDConverter.getUUID(ClusterConfig.SINGLETONS).toString();
    private static final BooleanSupplier NOT_A_SINGLETON_RUN = () -> true;

    private final DatabaseClusterService service;
    private final ClusterLeaseRepository leases;
    private final RoutePolicy singletonRoutePolicy;

    SingletonLease(DatabaseClusterService service, ClusterLeaseRepository leases, RoutePolicy singletonRoutePolicy) {
        this.service = service;
        this.leases = leases;
        this.singletonRoutePolicy = singletonRoutePolicy;
    }

    /** Whether this instance leads the singleton routes with more than the margin of its lease left. */
    public boolean held() {
        return service.isStarted() && service.isLeader(ClusterConfig.SINGLETONS) && leases.heldBeyondMargin(LOCK);
    }

    /**
     * What a sweep asks before each item of its run {@code run}: {@link #held()} for a run a singleton route started
     * (its timer, or a test firing it), the lease found in the run's registry; true for any other run (a call of the
     * sweep's direct: route, or none: null), which no lease started and none stops. So the sweeps need no wiring of
     * their own, only the exchange Camel hands their bean method.
     */
    public static BooleanSupplier forRun(Exchange run) {
        if (run == null || run.getFromRouteId() == null) {
            return NOT_A_SINGLETON_RUN;
        }
        Route from = run.getContext().getRoute(run.getFromRouteId());
        SingletonLease lease = run.getContext().getRegistry().findSingleByType(SingletonLease.class);
        return from != null && lease != null && from.getRoutePolicyList().contains(lease.singletonRoutePolicy)
                ? lease::held : NOT_A_SINGLETON_RUN;
    }
}
