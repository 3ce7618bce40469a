package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.TestClockConfig;
import io.connectify.hub.support.TimerRoutes;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The timer routes (the sweeps) when a row they need is held past connectify.database.lock-timeout: the run passes
 * with one WARN line naming the sweep, no ERROR with a stack trace, and the next run does the work.
 */
@HubTest
class SweepLockTimeoutTest extends HubTestBase {

    private static final String RETENTION = "ops-retention-sweep";

    @Autowired
    CamelContext camel;

    @Test
    void aSweepMeetingARowHeldPastTheLockTimeoutWarnsInOneLineAndItsNextRunDoesTheWork() throws Exception {
        String key = "stripe:evt_expired";
        jdbc.sql("INSERT INTO CAMEL_MESSAGEPROCESSED (processorName, messageId, createdAt) VALUES (?, ?, ?)")
                .params("webhook-events", key, Timestamp.from(TestClockConfig.NOW.minus(Duration.ofDays(31))))
                .update();
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> camel.getRouteController().getRouteStatus(RETENTION).isStarted());

        List<ILoggingEvent> logged = new ArrayList<>();
        Exchange run = whileRowsAreHeld("SELECT * FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key FOR UPDATE",
                Map.of("key", key), () -> LogLines.onThisThread(logged, () -> TimerRoutes.fire(camel, RETENTION)));

        assertThat(run.getException()).as("the run passed, handled").isNull();
        assertThat(logged).filteredOn(e -> e.getLevel() == Level.ERROR).isEmpty();
        assertThat(logged).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(line -> {
            // the retention sweep names the kind of record it could not purge (each kind on its own: the others are)
            assertThat(line.getFormattedMessage()).startsWith(RETENTION + ": records processed-events not purged this "
                    + "run: a row it needed was held by another transaction past connectify.database.lock-timeout")
                    .contains("the next run tries again");
            assertThat(line.getThrowableProxy()).as("no stack trace").isNull();
        });
        assertThat(processedKeys(key)).as("still there").isEqualTo(1);

        assertThat(TimerRoutes.fire(camel, RETENTION).getException()).isNull();
        assertThat(processedKeys(key)).as("deleted by the next run").isZero();
    }

    @Test
    void everyTimerRouteIsASweepAndTheRoutesItCallsPassTheirFailureOn() {
        List<RouteDefinition> routes = camel.getCamelContextExtension().getContextPlugin(Model.class)
                .getRouteDefinitions();
        List<RouteDefinition> timers = routes.stream()
                .filter(route -> route.getInput().getEndpointUri().startsWith("timer:")).toList();

        assertThat(timers).extracting(RouteDefinition::getId).contains(RETENTION, "notification-recover",
                "booking-expire-holds", "ops-dead-letter-auto-replay");
        for (RouteDefinition timer : timers) {
            assertThat(timer.getRouteConfigurationId()).as(timer.getId()).isEqualTo("sweeps");
            timer.getOutputs().stream().filter(ToDefinition.class::isInstance)
                    .map(to -> ((ToDefinition) to).getEndpointUri()).filter(uri -> uri.startsWith("direct:"))
                    .forEach(uri -> assertThat(routes).filteredOn(r -> r.getInput().getEndpointUri().equals(uri))
                            .singleElement().as("%s, called by %s", uri, timer.getId())
                            .extracting(RouteDefinition::getRouteConfigurationId).isEqualTo("internal"));
        }
    }



    private int processedKeys(String key) {
        return jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key").param("key", key)
                .query(Integer.class).single();
    }
}
