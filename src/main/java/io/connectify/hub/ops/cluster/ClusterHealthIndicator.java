package io.connectify.hub.ops.cluster;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Which instance runs the singleton routes: {@code /actuator/health} component "cluster" (member id, leader or
 * not) and the gauge {@code connectify_cluster_leader} (1 on the leader). Being a follower is healthy.
 */
@Component("cluster")
public class ClusterHealthIndicator implements HealthIndicator, MeterBinder {

    private final DatabaseClusterService service;

    public ClusterHealthIndicator(DatabaseClusterService service) {
        this.service = service;
    }

    @Override
    public Health health() {
        return Health.up()
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
