package io.connectify.hub.ops.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;

import javax.sql.DataSource;

import io.connectify.hub.ops.DatabaseProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.cluster.ClusteredRoutePolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Singleton routes: a route with {@code routePolicy: singletonRoutePolicy} runs only on the hub instance that holds
 * the lease of the namespace "connectify-singletons" in the shared database. With one instance that is always
 * this one; when the leader dies, another instance starts the routes once the lease has expired.
 */
@Configuration(proxyBeanMethods = false)
public class ClusterConfig {

    static final String SINGLETONS = "connectify-singletons";

    /** This instance's name in the lease table, in logs and in the health details. */
    @Bean
    ClusterMember clusterMember(ClusterProperties properties) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException unnamed) {
            host = "hub";
        }
        return ClusterMember.of(properties.memberId(), host);
    }

    /**
     * A leader whose renewals meet a held row gives up its lease once no more than a lock timeout and a heartbeat of
     * it is left: the lock timeout for the renewal Spring Integration retries at once, which may wait that long, the
     * heartbeat to stop the singleton routes before another member can take the lease. A lease no longer than that
     * and one more heartbeat (the sweeps' check between items needs the margin left until the next renewal) stops the
     * start. The lease's times are the database's (ClusterLeaseRepository), so the members' clocks need not agree.
     */
    @Bean
    ClusterLeaseRepository clusterLeaseRepository(DataSource dataSource, PlatformTransactionManager transactions,
                                                  ClusterMember member, MemberClaim memberClaim,
                                                  ClusterProperties properties, DatabaseProperties database) {
        ClusterLeaseRepository repository = new ClusterLeaseRepository(dataSource, transactions, member.id(),
                memberClaim::ours, properties.giveUpMargin(database.lockTimeout()));
        repository.setPrefix("CLUSTER_");
        repository.setRegion("connectify");
        repository.setTimeToLive((int) properties.leaseTtl().toMillis());
        return repository;
    }

    @Bean
    JdbcLockRegistry clusterLeases(DefaultLockRepository clusterLeaseRepository, ClusterProperties properties) {
        JdbcLockRegistry registry = new JdbcLockRegistry(clusterLeaseRepository);
        // a follower asks the database this often while it waits for the lease
        registry.setIdleBetweenTries(properties.heartbeat().dividedBy(4));
        return registry;
    }

    @Bean
    DatabaseClusterService databaseClusterService(JdbcLockRegistry clusterLeases, ClusterMember member,
                                                  ClusterProperties properties, CamelContext camel) throws Exception {
        DatabaseClusterService service = new DatabaseClusterService(member.id(), clusterLeases,
                properties.heartbeat());
        camel.addService(service);
        return service;
    }

    @Bean
    ClusteredRoutePolicy singletonRoutePolicy(DatabaseClusterService databaseClusterService,
                                              ClusterProperties properties) throws Exception {
        ClusteredRoutePolicy policy = ClusteredRoutePolicy.forNamespace(databaseClusterService, SINGLETONS);
        policy.setInitialDelay(properties.initialDelay());
        return policy;
    }

    /**
     * This instance's claim to its member id, renewed by the heartbeat (route ops-cluster-heartbeat): another live
     * instance holding it keeps this one from leading. Removed at the stop, so a restart need not wait for it.
     */
    @Bean(destroyMethod = "release")
    MemberClaim memberClaim(DataSource dataSource, ClusterMember member, ClusterProperties properties) {
        return new MemberClaim(dataSource, member.id(), properties.leaseTtl());
    }

    /**
     * The live instances, by the heartbeat every instance writes (route ops-cluster-heartbeat); this instance's row
     * removed at its stop.
     */
    @Bean(destroyMethod = "leave")
    LiveInstances liveInstances(DataSource dataSource, ClusterMember member, ClusterProperties properties) {
        return new LiveInstances(dataSource, member.id(), properties.leaseTtl());
    }

    /**
     * How many instances the deployment runs, as configured (connectify.cluster.expected-replicas): the alert
     * HubReplicaMissing compares the instances Prometheus scrapes with it. A replica whose container stopped is no
     * target at all, so only a count from elsewhere tells it is missing; before, the rule held compose's count itself.
     */
    @Bean
    MeterBinder expectedReplicasGauge(ClusterProperties properties) {
        return registry -> Gauge.builder("connectify.cluster.expected.replicas", properties::expectedReplicas)
                .description("How many hub instances the deployment runs (connectify.cluster.expected-replicas)")
                .register(registry);
    }

    /** This instance's share of the configured rates (connectify.cluster.rate-scope). */
    @Bean
    RateShare rateShare(LiveInstances liveInstances, ClusterProperties properties) {
        return new RateShare(liveInstances::count, properties.rateScope(), liveInstances::onChange);
    }

    /** What the sweeps of the singleton routes ask between their items: does this instance still lead? */
    @Bean
    SingletonLease singletonLease(DatabaseClusterService databaseClusterService,
                                  ClusterLeaseRepository clusterLeaseRepository,
                                  ClusteredRoutePolicy singletonRoutePolicy) {
        return new SingletonLease(databaseClusterService, clusterLeaseRepository, singletonRoutePolicy);
    }
}
