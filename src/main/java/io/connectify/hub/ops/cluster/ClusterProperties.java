package io.connectify.hub.ops.cluster;

import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Leader election over the shared database, for the singleton routes.
 *
 * @param memberId     this instance's name in the lease table (empty: host name and a random suffix)
 * @param leaseTtl     how long a lease outlives its last renewal: a killed leader is replaced after about this long
 * @param heartbeat    how often the leader renews its lease and the others try to take it; well below lease-ttl
 * @param initialDelay how long a new leader waits before it starts the singleton routes
 */
@ConfigurationProperties("connectify.cluster")
public record ClusterProperties(String memberId, Duration leaseTtl, Duration heartbeat, Duration initialDelay) {

    public ClusterProperties {
        PropertyChecks.positive("connectify.cluster.lease-ttl", leaseTtl, "how long a lease outlives its renewal");
        PropertyChecks.positive("connectify.cluster.heartbeat", heartbeat, "how often the leader renews its lease");
        if (heartbeat.compareTo(leaseTtl) >= 0) {
            // the lease would run out before the leader renews it: another instance takes it, and two lead in turns
            throw new IllegalArgumentException("connectify.cluster.heartbeat (" + heartbeat + ") must be shorter than "
                    + "connectify.cluster.lease-ttl (" + leaseTtl + "): the leader's lease would expire between "
                    + "its renewals and the singleton routes move from instance to instance");
        }
    }
}
