package io.connectify.hub.ops.cluster;

import java.util.UUID;

import io.connectify.hub.ConfigurationError;

/** This hub instance as a member of the cluster. */
public record ClusterMember(String id) {

    /**
     * The longest id the lease table holds (Spring Integration's CLUSTER_LOCK.CLIENT_ID is CHAR(36)). A longer one
     * failed every insert of the lease, which the lock repository takes for a lease held by another member: no
     * instance ever led, and no singleton route ran anywhere, silently.
     */
    static final int MAX_ID = 36;
    private static final int SUFFIX = 9; // "-" and 8 hex digits

    /**
     * The configured member id, or the host's name with a random suffix: its last characters where it is long (a
     * Kubernetes pod's name ends in what tells the pods apart), so the id fits the lease table.
     */
    static ClusterMember of(String configured, String host) {
        if (configured != null && !configured.isBlank()) {
            if (configured.length() > MAX_ID) {
                throw new ConfigurationError("connectify.cluster.member-id is " + configured.length()
                        + " characters long; the lease table holds " + MAX_ID, "Set CONNECTIFY_CLUSTER_MEMBERID to at "
                        + "most " + MAX_ID + " characters, or leave it unset (the host's name and a random suffix).");
            }
            return new ClusterMember(configured);
        }
        String name = host.length() > MAX_ID - SUFFIX ? host.substring(host.length() - (MAX_ID - SUFFIX)) : host;
        return new ClusterMember(name + "-" + UUID.randomUUID().toString().substring(0, 8));
    }
}
