package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.resilience.ProblemResponder;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * What a request gets by the state of Camel's context: passed on only once it is started (its routes with it),
 * else 503 {@code unavailable} with Retry-After, Actuator's paths always passed on.
 */
class RoutesNotStartedFilterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CamelContext camel = new DefaultCamelContext();
    private final RoutesNotStartedFilter filter = new RoutesNotStartedFilter(
            new StaticListableBeanFactory(Map.of("camelContext", camel)).getBeanProvider(CamelContext.class),
            Duration.ofSeconds(1), new ProblemResponder(JSON));

    @AfterEach
    void stopCamel() {
        camel.stop();
    }

    @Test
    void aWebhookBeforeTheContextStartsIs503UnavailableWithRetryAfterAndReachesNoRoute() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(new MockHttpServletRequest("POST", "/webhooks/twilio/status"), response, chain);

        assertThat(chain.getRequest()).isNull();
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getContentType()).isEqualTo("application/problem+json");
        assertThat(response.getHeader("Retry-After")).isEqualTo("1");
        JsonNode problem = JSON.readTree(response.getContentAsString());
        assertThat(problem.get("type").asText()).isEqualTo("unavailable");
        assertThat(problem.get("status").asInt()).isEqualTo(503);
        assertThat(problem.get("instance").asText()).isEqualTo("/webhooks/twilio/status");
    }

    @Test
    void aPayrexxWebhookBeforeTheStartIsAnsweredWithoutItsToken() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(new MockHttpServletRequest("POST", "/webhooks/payrexx/s3cr3t-token"), response,
                new MockFilterChain());

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getContentAsString()).doesNotContain("s3cr3t-token").contains("/webhooks/payrexx/{token}");
    }

    @Test
    void actuatorIsServedBeforeTheStart() throws Exception {
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(new MockHttpServletRequest("GET", "/actuator/health/readiness"), new MockHttpServletResponse(),
                chain);

        assertThat(chain.getRequest()).isNotNull();
    }

    @Test
    void everyRequestIsPassedOnOnceTheContextIsStartedAndNoneOnceItStops() throws Exception {
        camel.start();
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(new MockHttpServletRequest("GET", "/api/v1/prices"), new MockHttpServletResponse(), chain);

        assertThat(chain.getRequest()).isNotNull();

        camel.stop();
        MockFilterChain afterStop = new MockFilterChain();
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(new MockHttpServletRequest("GET", "/api/v1/prices"), response, afterStop);

        assertThat(afterStop.getRequest()).isNull();
        assertThat(response.getStatus()).isEqualTo(503);
    }
}
