package io.connectify.hub.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * The singleton sweeps run connectify.cluster.first-run-after (here 1 s) after their instance leads again, then every
 * period: those of a long period, and the hold sweep (booking-expire-holds, here every hour; its first run is
 * application.yaml's connectify.booking.hold-sweep-first-run-after, first-run-after, which the test profile sets apart).
 * Before, the timer each sweep's route starts when its instance gains the leadership waited a whole period first:
 * after every takeover, or a leadership lost and regained (a lease renewal that failed), holds run out kept their
 * slots 30 s more, refunds were retried 5 min later, the Payrexx refund watch 30 min, retention 1 h; a leadership lost
 * more often never ran them. A context of its own (the test profile runs these sweeps only when a test fires them),
 * closed after.
 */
@HubTest
@TestPropertySource(properties = {"connectify.cluster.first-run-after=1s",
        "connectify.booking.hold-sweep-interval=1h",
        "connectify.booking.hold-sweep-first-run-after=${connectify.cluster.first-run-after}"})
@DirtiesContext
class SingletonSweepsFirstRunTest extends HubTestBase {

    /**
     * Their periods here 1h (the first), in the test profile 24h (the next three), application.yaml's 5m, 15m, 1h, 5m.
     */
    private static final List<String> SWEEPS = List.of("booking-expire-holds", "booking-retry-refunds",
            "ops-dead-letter-auto-replay", "payrexx-refund-watch", "notification-recover",
            "gcal-recheck-bookings-periodic", "ops-retention-sweep", "booking-retry-event-put-backs");

    @Autowired
    private CamelContext camel;
    @Autowired
    private ClusterLeaseRepository leases;
    @Autowired
    private SingletonLease lease;

    @Test
    void theSingletonSweepsRunSecondsAfterTheirInstanceLeadsAgainNotAPeriodLater() {
        awaitLeading();
        LeaseTakeover.takenByAnotherMember(jdbc, leases);
        await().atMost(Duration.ofSeconds(30)).until(() -> SWEEPS.stream().allMatch(sweep ->
                camel.getRouteController().getRouteStatus(sweep).isStopped()));
        Map<String, NotifyBuilder> runs = new LinkedHashMap<>();
        SWEEPS.forEach(sweep -> runs.put(sweep, new NotifyBuilder(camel).fromRoute(sweep).whenDone(1).create()));

        LeaseTakeover.givenBack(jdbc);
        awaitLeading();

        runs.forEach((sweep, run) -> assertThat(run.matches(15, TimeUnit.SECONDS))
                .as("%s run within seconds of the leadership regained", sweep).isTrue());
    }

    /** This instance holds the lease, its singleton routes started (on a loaded machine, seconds after its start). */
    private void awaitLeading() {
        await().atMost(Duration.ofSeconds(60)).until(() -> lease.held() && SWEEPS.stream().allMatch(sweep ->
                camel.getRouteController().getRouteStatus(sweep).isStarted()));
    }
}
