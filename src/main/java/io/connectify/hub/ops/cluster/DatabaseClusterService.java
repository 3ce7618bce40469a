package io.connectify.hub.ops.cluster;

import java.time.Duration;

import org.apache.camel.support.cluster.AbstractCamelClusterService;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * Camel's cluster service over a lease in the shared database. Camel ships cluster services for Kubernetes,
 * ZooKeeper, Consul, Infinispan and a shared file system, none for a JDBC database, which is the one store every
 * hub instance already shares; the election itself is Spring Integration's (JdbcLockRegistry with
 * LockRegistryLeaderInitiator), this class only adapts it to Camel's cluster SPI.
 */
public class DatabaseClusterService extends AbstractCamelClusterService<DatabaseClusterView> {

    private final LockRegistry locks;
    private final Duration heartbeat;

    public DatabaseClusterService(String memberId, LockRegistry locks, Duration heartbeat) {
        super(memberId);
        this.locks = locks;
        this.heartbeat = heartbeat;
    }

    @Override
    protected DatabaseClusterView createView(String namespace) {
        return new DatabaseClusterView(this, namespace, locks, heartbeat);
    }
}
