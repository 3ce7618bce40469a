package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;

/** The hub is not ready while its broker is unreachable: no webhook could be queued then. */
@HubTest
@DirtiesContext // the broker is stopped: no other test may reuse this context
class ReadinessTest extends HubTestBase {

    @Autowired
    EmbeddedActiveMQ broker;

    @Test
    void readinessGoesDownWhileTheBrokerIsUnreachable() throws Exception {
        assertThat(httpGet("/actuator/health/readiness", null).status()).isEqualTo(200);

        broker.stop();
        try {
            // the pooled JMS connection notices the broker is gone within moments
            var readiness = await().atMost(Duration.ofSeconds(20))
                    .until(() -> httpGet("/actuator/health/readiness", null), r -> r.status() == 503);
            assertThat(readiness.json().get("components").get("jms").get("status").asText()).isEqualTo("DOWN");
            assertThat(httpGet("/actuator/health/liveness", null).status()).isEqualTo(200);
        } finally {
            // back before the context closes: with no broker, its close waited ~28 s for Camel's graceful shutdown
            // to time out and for each JMS consumer's reconnect attempts to fail
            broker.start();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> httpGet("/actuator/health/readiness", null).status() == 200);
        }
    }
}
