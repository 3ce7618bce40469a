package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;

/**
 * {@code /actuator/camelroutes} shows each route's description, the REST operations' routes too (their verb's,
 * from routes/api-rest.camel.yaml). Before, the 35 routes Camel merges into their REST verbs' were listed without
 * one.
 */
@HubTest
class RestRouteDescriptionsTest extends HubTestBase {

    @Test
    void everyRouteTheRoutesEndpointListsHasItsDescription() {
        var routes = httpGet("/actuator/camelroutes", ADMIN_KEY);
        assertThat(routes.status()).as(routes.body()).isEqualTo(200);

        List<String> without = new ArrayList<>();
        for (JsonNode route : routes.json()) {
            if (!route.hasNonNull("description") || route.get("description").asText().isBlank()) {
                without.add(route.get("id").asText());
            }
        }
        // but Camel's own route serving the OpenAPI document, which has none to give
        assertThat(without).containsExactly("rest-openapi");
        assertThat(description(routes.json(), "booking-create"))
                .isEqualTo("Book a slot (409 booking-conflict when taken); holds it while the customer pays");
    }

    private static String description(JsonNode routes, String id) {
        for (JsonNode route : routes) {
            if (route.get("id").asText().equals(id)) {
                return route.get("description").asText();
            }
        }
        throw new AssertionError("no route " + id + " in " + routes);
    }
}
