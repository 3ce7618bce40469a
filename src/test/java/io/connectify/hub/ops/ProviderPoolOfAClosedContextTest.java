package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.SharedProviderPools;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.support.component.AbstractApiEndpoint;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A cached test context whose Google Calendar pool was shut down by the close of the context that made it (see
 * {@link SharedProviderPools}) serves its next test's requests. Before, the next booking's free/busy query was
 * dropped by the shut-down pool and POST /bookings hung until the client gave up (BrokerDeadLetterTest, 30 s, in two
 * full runs). The two tests run in this order: the first leaves the pool shut down, as the suite's order did.
 */
@HubTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProviderPoolOfAClosedContextTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Test
    @Order(1)
    void theSharedGooglePoolIsShutDownAsTheCloseOfTheContextThatMadeItDoes() {
        pendingBooking(START, "stripe"); // this context's free/busy endpoint holds the shared pool
        ExecutorService pool = freeBusyEndpoint().getExecutorService();

        pool.shutdown();

        assertThat(freeBusyEndpoint().getExecutorService().isShutdown()).isTrue();
    }

    @Test
    @Order(2)
    void theNextTestsBookingIsServed() {
        String id = pendingBooking(START, "stripe");

        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(freeBusyEndpoint().getExecutorService().isShutdown()).isFalse();
    }

    private AbstractApiEndpoint<?, ?> freeBusyEndpoint() {
        return SharedProviderPools.freeBusyEndpoint(hubContext);
    }
}
