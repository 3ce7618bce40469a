package io.connectify.hub.ops.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.support.cluster.AbstractCamelClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.integration.leader.Candidate;
import org.springframework.integration.leader.Context;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * One namespace of {@link DatabaseClusterService}: this instance leads while it holds the namespace's lease. Only
 * the local member is known; the lease table names the holder, not the followers.
 */
public class DatabaseClusterView extends AbstractCamelClusterView {

    private static final Logger log = LoggerFactory.getLogger(DatabaseClusterView.class);

    private final LockRegistry locks;
    private final Duration heartbeat;
    private final LocalMember local = new LocalMember();
    private volatile boolean leader;
    private LockRegistryLeaderInitiator election;

    DatabaseClusterView(DatabaseClusterService service, String namespace, LockRegistry locks, Duration heartbeat) {
        super(service, namespace);
        this.locks = locks;
        this.heartbeat = heartbeat;
    }

    @Override
    protected void doStart() {
        election = new LockRegistryLeaderInitiator(locks, new Candidate() {
            @Override
            public String getRole() {
                return getNamespace();
            }

            @Override
            public String getId() {
                return local.getId();
            }

            @Override
            public void onGranted(Context context) {
                leader = true;
                log.info("Cluster member {} now leads '{}'", local.getId(), getNamespace());
                if (!camelStopping()) {
                    fireLeadershipChangedEvent(local);
                }
            }

            @Override
            public void onRevoked(Context context) {
                leader = false;
                log.info("Cluster member {} no longer leads '{}'", local.getId(), getNamespace());
                if (!camelStopping()) {
                    fireLeadershipChangedEvent(Optional.empty());
                }
            }
        });
        election.setHeartBeatMillis(heartbeat.toMillis());
        // each attempt waits up to a heartbeat for the lease; a follower pauses this long before the next one
        election.setBusyWaitMillis(Math.min(heartbeat.toMillis() / 2, 500));
        election.start();
    }

    /**
     * While Camel stops, its routes are stopped anyway, and a leadership event would deadlock: Camel's
     * ClusteredRoutePolicy stops its routes holding its own lock and then waits for the context's, while the
     * stopping context holds the context's lock and waits for the policy's to release this view (seen when the
     * lease was lost during shutdown: the hub hung on SIGTERM).
     */
    private boolean camelStopping() {
        var camel = getClusterService().getCamelContext();
        return camel != null && (camel.isStopping() || camel.isStopped());
    }

    @Override
    protected void doStop() {
        if (election != null) {
            election.stop(); // releases the lease, so another instance takes over without waiting for its expiry
            election.destroy();
            election = null;
        }
        leader = false;
    }

    @Override
    public Optional<CamelClusterMember> getLeader() {
        return leader ? Optional.of(local) : Optional.empty();
    }

    @Override
    public CamelClusterMember getLocalMember() {
        return local;
    }

    @Override
    public List<CamelClusterMember> getMembers() {
        return List.of(local);
    }

    private final class LocalMember implements CamelClusterMember {
        @Override
        public boolean isLeader() {
            return leader;
        }

        @Override
        public boolean isLocal() {
            return true;
        }

        @Override
        public String getId() {
            return getClusterService().getId();
        }
    }
}
