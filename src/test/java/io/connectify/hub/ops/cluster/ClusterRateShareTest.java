package io.connectify.hub.ops.cluster;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.NotificationFakes.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.TimerRoutes;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.Exchange;
import org.apache.camel.processor.AbstractThrottler;
import org.apache.camel.processor.TotalRequestsThrottler;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The configured rates are the cluster's (connectify.cluster.rate-scope: cluster): with a second live instance (its
 * heartbeat row, written here as that instance would) this instance's notification throttles and provider rate
 * limiters take half (test profile: notifications 5 a second, so 2; limiters 100000 a period, so 50000), with itself
 * alone the whole, and the gauges say so.
 */
@HubTest
class ClusterRateShareTest extends Webhooks {

    private static final String OTHER = "hub-other-1";
    private static final String APP = "application=\"connectify-hub\"";

    @AfterEach
    void otherInstanceGone() {
        jdbc.sql("DELETE FROM CLUSTER_LOCK WHERE REGION = :region AND CLIENT_ID = :id")
                .param("region", LiveInstances.REGION).param("id", OTHER).update();
        heartbeat(); // this context is shared: the next test finds this instance alone again
    }

    @Test
    void twoLiveInstancesEachTakeHalfOfEveryConfiguredRate() {
        otherInstanceBeats(ClusterLeaseRepository.DATABASE_NOW);
        heartbeat();

        assertThat(throttleLimit("notification-send-sms")).isEqualTo(2);
        assertThat(throttleLimit("notification-send-email")).isEqualTo(2);
        assertThat(resilience.rateLimiter("twilio").getRateLimiterConfig().getLimitForPeriod()).isEqualTo(50000);
        assertThat(resilience.rateLimiter("google-calendar").getRateLimiterConfig().getLimitForPeriod())
                .isEqualTo(50000);
        assertThat(httpGet("/actuator/prometheus", null).body()).contains(share("notifications", 2),
                share("twilio", 50000), "connectify_cluster_instances{" + APP + "} 2.0");
    }

    /** What HubReplicaMissing compares the scraped instances with: connectify.cluster.expected-replicas, 1 here. */
    @Test
    void theExpectedReplicasArePublishedForTheAlert() {
        assertThat(httpGet("/actuator/prometheus", null).body())
                .contains("connectify_cluster_expected_replicas{" + APP + "} 1.0");
    }

    @Test
    void oneLiveInstanceTakesTheWholeRate() {
        heartbeat();

        assertThat(throttleLimit("notification-send-sms")).isEqualTo(5);
        assertThat(resilience.rateLimiter("twilio").getRateLimiterConfig().getLimitForPeriod()).isEqualTo(100000);
        assertThat(httpGet("/actuator/prometheus", null).body()).contains(share("notifications", 5),
                share("twilio", 100000), "connectify_cluster_instances{" + APP + "} 1.0");
    }

    @Test
    void anInstanceWhoseHeartbeatStoppedALeaseTtlAgoIsGoneAndItsShareTakenBack() {
        otherInstanceBeats(ClusterLeaseRepository.DATABASE_NOW);
        heartbeat();
        assertThat(resilience.rateLimiter("stripe").getRateLimiterConfig().getLimitForPeriod()).isEqualTo(50000);

        // its last heartbeat 11 s ago by the database's clock (lease-ttl 10 s): a killed instance
        jdbc.sql("UPDATE CLUSTER_LOCK SET CREATED_DATE = " + ClusterLeaseRepository.DATABASE_NOW
                        + " - INTERVAL '11' SECOND WHERE REGION = :region AND CLIENT_ID = :id")
                .param("region", LiveInstances.REGION).param("id", OTHER).update();
        heartbeat();

        assertThat(resilience.rateLimiter("stripe").getRateLimiterConfig().getLimitForPeriod()).isEqualTo(100000);
        assertThat(throttleLimit("notification-send-email")).isEqualTo(5);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM CLUSTER_LOCK WHERE REGION = :region AND CLIENT_ID = :id")
                .param("region", LiveInstances.REGION).param("id", OTHER).query(Integer.class).single())
                .as("the expired row removed").isZero();
    }

    /**
     * The SMS sender's real throttle, not only its expression: with a second live instance, three SMS queued at once
     * (the test profile: 5 a second, so 2 for this instance) all reach Twilio's fake, and the throttle, having let
     * them through, holds 2 as its current limit (a throttle that kept its first limit would hold 5, this instance
     * alone before). Not asserted: the third SMS's wait in time, which Twilio's fake sees only as arrival times (a
     * first send slowed by a loaded machine shrank the gap from the first to the third under any fixed bound).
     */
    @Test
    void withASecondInstanceTheSmsSendersThrottleHoldsItsShareOnceMessagesPassedIt() throws Exception {
        otherInstanceBeats(ClusterLeaseRepository.DATABASE_NOW);
        heartbeat();
        stopNotificationSenders();
        try {
            for (String start : List.of("2026-12-01T09:00:00+01:00", "2026-12-02T09:00:00+01:00",
                    "2026-12-03T09:00:00+01:00")) {
                confirmedStripeBooking(start); // an SMS and an email each
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> notificationsWaiting() == 6);
            // beaten again right before the senders start: the heartbeat timer drops a row older than the lease
            // (10 s), which the setup above can reach on a loaded machine, and the limit would be 5 again
            otherInstanceBeats(ClusterLeaseRepository.DATABASE_NOW);
            heartbeat();
        } finally {
            startNotificationSenders();
        }

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                notify.twilio().verify(3, postRequestedFor(urlPathEqualTo(MESSAGES))));
        assertThat(throttle("notification-send-sms")).isInstanceOf(TotalRequestsThrottler.class);
        assertThat(((TotalRequestsThrottler) throttle("notification-send-sms")).getCurrentMaximumRequests())
                .isEqualTo(2);
    }

    /**
     * The other instance's heartbeat row, written at {@code at} (SQL) as its own heartbeat writes it: the one written
     * before renewed (never missing in between), or a new one if there is none (or the heartbeat timer dropped it).
     */
    private void otherInstanceBeats(String at) {
        if (jdbc.sql("UPDATE CLUSTER_LOCK SET CREATED_DATE = " + at + " WHERE REGION = :region AND CLIENT_ID = :id")
                .param("region", LiveInstances.REGION).param("id", OTHER).update() > 0) {
            return;
        }
        jdbc.sql("INSERT INTO CLUSTER_LOCK (REGION, LOCK_KEY, CLIENT_ID, CREATED_DATE) VALUES (:region, :key, :id, "
                        + at + ")")
                .param("region", LiveInstances.REGION)
                .param("key", org.springframework.integration.util.UUIDConverter.getUUID(OTHER).toString())
                .param("id", OTHER).update();
    }

    /** The scrape's line of the gauge of this instance's share of a limit. */
    private static String share(String limit, int value) {
        return "connectify_rate_share{" + APP + ",limit=\"" + limit + "\"} " + value + ".0";
    }

    /** This instance's heartbeat, as its timer runs it. */
    private void heartbeat() {
        Exchange run = TimerRoutes.fire(hubContext, "ops-cluster-heartbeat");
        assertThat(run.getException()).isNull();
    }

    /** The limit the route's throttle takes for its next message: its expression, as Camel evaluates it per message. */
    private int throttleLimit(String routeId) {
        return throttle(routeId).getMaximumRequestsExpression().evaluate(new DefaultExchange(hubContext),
                Integer.class);
    }

    /** The route's one throttle processor. */
    private AbstractThrottler throttle(String routeId) {
        List<AbstractThrottler> throttles = hubContext.getRoute(routeId).filter("*").stream()
                .filter(AbstractThrottler.class::isInstance).map(AbstractThrottler.class::cast).toList();
        assertThat(throttles).hasSize(1);
        return throttles.get(0);
    }
}
