package io.connectify.hub.ops.cluster;

/** This hub instance as a member of the cluster. */
public record ClusterMember(String id) {
}
