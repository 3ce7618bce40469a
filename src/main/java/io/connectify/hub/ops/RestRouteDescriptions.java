package io.connectify.hub.ops;

import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.util.URISupport;
import org.springframework.stereotype.Component;

/**
 * Gives each REST operation's route its verb's description (routes/api-rest.camel.yaml), for
 * {@code /actuator/camelroutes}. Why: Camel merges the route a REST verb hands over to into the verb's own (the REST
 * DSL's inline routes) and keeps the merged route's id but not its description, and the verb's it puts in the
 * endpoint's URI only: the 35 operations' routes ({@code booking-create}, {@code availability-query}, ...) were
 * listed without one. A route description set in Java or YAML on the verb's route itself is kept.
 */
@Component
public class RestRouteDescriptions implements CamelContextConfiguration {

    @Override
    public void beforeApplicationStart(CamelContext context) {
        for (RouteDefinition route : context.getCamelContextExtension().getContextPlugin(Model.class)
                .getRouteDefinitions()) {
            if (Boolean.TRUE.equals(route.isRest()) && route.getDescription() == null && route.getInput() != null) {
                String description = verbDescription(route.getInput().getEndpointUri());
                if (description != null) {
                    route.setDescription(description);
                }
            }
        }
    }

    @Override
    public void afterApplicationStart(CamelContext context) {
        // set before the routes are made
    }

    /** The {@code description} parameter of a REST consumer's URI, decoded; null without one. */
    static String verbDescription(String uri) {
        String query = uri == null ? null : URISupport.extractQuery(uri);
        if (query == null) {
            return null;
        }
        try {
            // raw, decoded here: Camel's own decoding leaves %28, %29 and %3B of "(", ")" and ";" as they are
            Object description = URISupport.parseQuery(query, true).get("description");
            return description == null ? null : URLDecoder.decode(description.toString(), StandardCharsets.UTF_8);
        } catch (URISyntaxException unparsable) {
            return null; // then it shows none, as before
        }
    }
}
