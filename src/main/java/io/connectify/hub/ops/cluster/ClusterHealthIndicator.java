package io.connectify.hub.ops.cluster;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Which instance runs the singleton routes: {@code /actuator/health} component "cluster" (member id, leader or
 * not) and the gauge {@code connectify_cluster_leader} (1 on the leader). Being a follower is healthy; another live
 * instance holding this one's member id ({@link MemberClaim}) is not: DOWN, with what to do, as this one never leads
 * then (it stays ready: it takes bookings and webhooks as a follower does).
 */
@Component("cluster")
public class ClusterHealthIndicator implements HealthIndicator, MeterBinder {

    private final DatabaseClusterService service;
    private final MemberClaim claim;

    public ClusterHealthIndicator(DatabaseClusterService service, MemberClaim claim) {
        this.service = service;
        this.claim = claim;
    }

    @Override
    public Health health() {
        Health.Builder health = claim.usedByAnother() ? Health.down().withDetail("memberIdInUse", "another live hub "
                + "instance holds this member id, so this one does not lead: give each replica its own "
                + "connectify.cluster.member-id, or leave it unset") : Health.up();
        return health
                .withDetail("member", service.getId())
                .withDetail("namespace", ClusterConfig.SINGLETONS)
                .withDetail("leader", isLeader())
                .build();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("connectify.cluster.leader", () -> isLeader() ? 1 : 0)
                .description("1 while this instance holds the lease of the singleton routes")
                .tag("namespace", ClusterConfig.SINGLETONS)
                .register(registry);
    }

    private boolean isLeader() {
        return service.isStarted() && service.isLeader(ClusterConfig.SINGLETONS);
    }
}
