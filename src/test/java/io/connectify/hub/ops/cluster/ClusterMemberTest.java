package io.connectify.hub.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectify.hub.ConfigurationError;
import org.junit.jupiter.api.Test;

class ClusterMemberTest {

    @Test
    void aLongHostNameGivesAnIdTheLeaseTableHolds() {
        String pod = "connectify-hub-7c9d8f6b5-x2k4p.connectify.svc.cluster.local";

        String id = ClusterMember.of(null, pod).id();

        assertThat(id).hasSizeLessThanOrEqualTo(36).matches("[a-z0-9.-]+-[0-9a-f]{8}");
        assertThat(id.substring(0, id.length() - 9)).isEqualTo(pod.substring(pod.length() - 27));
        assertThat(ClusterMember.of(null, pod).id()).isNotEqualTo(id); // two instances on one host differ
        assertThat(ClusterMember.of("", "vm").id()).matches("vm-[0-9a-f]{8}");
    }

    @Test
    void aConfiguredIdTooLongForTheLeaseTableStopsTheStart() {
        assertThat(ClusterMember.of("hub-a", "vm").id()).isEqualTo("hub-a");
        assertThatThrownBy(() -> ClusterMember.of("x".repeat(37), "vm"))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("36");
    }
}
