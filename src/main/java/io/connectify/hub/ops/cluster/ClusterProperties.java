package io.connectify.hub.ops.cluster;

import java.time.Duration;

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
}
