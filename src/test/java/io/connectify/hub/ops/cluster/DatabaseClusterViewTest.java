package io.connectify.hub.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.integration.support.locks.DefaultLockRegistry;

/**
 * Leadership of one namespace, on an in-memory lock registry in place of the database's: events while Camel runs,
 * none while it stops (a leadership event during the stop deadlocked Camel's ClusteredRoutePolicy against the
 * stopping context, and the hub never exited on SIGTERM).
 */
class DatabaseClusterViewTest {

    @Test
    void reportsLeadershipWhileCamelRunsAndStaysSilentWhileItStops() throws Exception {
        var camel = new DefaultCamelContext();
        var service = new DatabaseClusterService("member-1", new DefaultLockRegistry(), Duration.ofMillis(200));
        camel.addService(service);
        CamelClusterView view = service.getView("singleton");
        List<Optional<CamelClusterMember>> events = new CopyOnWriteArrayList<>();
        view.addEventListener((CamelClusterEventListener.Leadership) (source, leader) -> events.add(Optional.ofNullable(leader)));

        camel.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.getLeader().isPresent());
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        assertThat(events.get(0)).hasValueSatisfying(member -> assertThat(member.isLocal()).isTrue());

        camel.stop(); // releases the lease: the view is no longer leader, and says so to no one
        await().atMost(Duration.ofSeconds(10)).until(() -> view.getLeader().isEmpty());
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
    }
}
