package io.connectify.hub.ops.cluster;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.RequestHook;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.TimerRoutes;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A singleton sweep whose instance loses the lease of the singleton routes while the sweep runs takes no further item:
 * the next leader's run takes the rest. Before, a lost lease stopped the route's timer but not its run under way,
 * which went on through its whole batch while the next leader swept the same items (here: asked Stripe for the same
 * refunds).
 * <p>
 * The lease is taken from this instance as another member would take it once it had run out (its row now that
 * member's), and this instance's renewal then finds the row another's: the test makes that renewal
 * ({@link ClusterLeaseRepository#acquire}, what LockRegistryLeaderInitiator's every heartbeat calls) itself, inside
 * Stripe's answer to the sweep's first refund, so the sweep learns it at a known point, not at whichever heartbeat
 * comes next. The election's own renewal then finds the same and revokes the leadership; the test gives the lease
 * back (the other member gone) and waits until this instance leads again.
 */
@HubTest
class SweepLeaseLostTest extends Webhooks {

    private static final String RETRY_SWEEP = "booking-retry-refunds";

    @Autowired
    private CamelContext camel;
    @Autowired
    private ClusterLeaseRepository leases;
    @Autowired
    private SingletonLease lease;

    /** The other member gone: this instance leads again. */
    @AfterEach
    void leaseGivenBack() {
        LeaseTakeover.givenBack(jdbc);
        awaitLeading();
    }

    /** This instance holds the lease, its singleton routes started (on a loaded machine, seconds after its start). */
    private void awaitLeading() {
        await().atMost(Duration.ofSeconds(60)).until(() -> lease.held()
                && camel.getRouteController().getRouteStatus(RETRY_SWEEP).isStarted());
    }

    @Test
    void aRefundRetrySweepWhoseInstanceLostTheLeaseAfterItsFirstRefundMakesNoOther() {
        awaitLeading();
        warmUp();
        google.stub(delete(urlPathMatching(EVENTS + "/.*")).willReturn(noContent()));
        String first = cancelledWhileRefundsFail("2026-12-03T09:00:00+01:00");
        String second = cancelledWhileRefundsFail("2026-12-03T11:00:00+01:00");

        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        // Stripe's answer to the sweep's first refund, given once this instance's renewal has found the lease taken
        stripe.server().stubFor(post(urlPathEqualTo("/v1/refunds")).atPriority(1)
                .withRequestBody(StripeFake.formField("metadata[connectify]", "booking"))
                .willReturn(okJson("""
                        {"id":"re_123","object":"refund","amount":9000,"currency":"chf","payment_intent":"pi_123",
                         "status":"succeeded"}""").withTransformers(RequestHook.NAME)));
        stripe.hook().onNext(() -> LeaseTakeover.takenByAnotherMember(jdbc, leases));

        assertThat(TimerRoutes.fire(camel, RETRY_SWEEP).getException()).isNull();

        assertThat(refundsAskedFor(first) + refundsAskedFor(second)).as("refunds asked for: the sweep's first")
                .isEqualTo(1);
        String made = refundsAskedFor(first) == 1 ? first : second;
        String left = made.equals(first) ? second : first;
        assertThat(status(made)).isEqualTo("REFUNDED");
        assertThat(status(left)).isEqualTo("CANCELLED");

        // the next leader's run (this instance's again, the lease given back) takes the rest
        leaseGivenBack();
        assertThat(TimerRoutes.fire(camel, RETRY_SWEEP).getException()).isNull();
        assertThat(refundsAskedFor(made)).isEqualTo(1);
        assertThat(refundsAskedFor(left)).isEqualTo(1);
        assertThat(status(left)).isEqualTo("REFUNDED");
    }

    /**
     * A first booking made (its FreeBusy and Checkout Session asked for), as often as it takes: the providers' first
     * calls of a context, on a loaded machine, can outlast the tests' 1 s read timeout.
     */
    private void warmUp() {
        int[] hour = {8};
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(90)).until(() -> {
            resilience.circuitBreaker("google-calendar").reset();
            resilience.circuitBreaker("stripe").reset();
            hour[0]++;
            return httpPost("/api/v1/bookings", """
                    {"start":"2026-12-04T%02d:00:00+01:00","durationMinutes":60,"provider":"stripe",
                     "customer":{"name":"Warm Up","email":"warm@example.com"}}
                    """.formatted(hour[0])).status() == 201;
        });
        stripe.reset();
        resilience.circuitBreaker("google-calendar").reset();
        resilience.circuitBreaker("stripe").reset();
    }

    /** A paid, confirmed booking cancelled while Stripe refuses refunds: CANCELLED, its refund pending. */
    private String cancelledWhileRefundsFail(String start) {
        String id = confirmedStripeBooking(start);
        stripeRefundsFail();
        resilience.circuitBreaker("stripe").reset();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        assertThat(status(id)).isEqualTo("CANCELLED");
        return id;
    }

    /** How many times Stripe was asked, since its reset, to refund the booking's payment. */
    private static int refundsAskedFor(String id) {
        return stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("payment_intent=" + paymentIntentOf(id)))).size();
    }

    /** The Payment Intent that paid a booking made by {@link #confirmedStripeBooking}. */
    private static String paymentIntentOf(String id) {
        return "pi_" + id.substring(0, 8);
    }
}
