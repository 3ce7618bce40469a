package io.connectify.hub.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import io.connectify.hub.ConfigurationError;
import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Stops the start when the route files loaded lack a route the hub cannot work without: the REST API's definition
 * ({@value #REST_API}), a route for each of its operations, and {@link #ROUTES} (the webhooks' receivers, the
 * notification senders, the payment hold's sweep). Why: a {@code camel.main.routes-include-pattern} that matches
 * nothing (a typo, an empty directory, files not named {@code *.camel.yaml}) started a hub with only its Java routes,
 * ready, answering 404 to every API and webhook path, and a webhook answered 404 is refused for good by Twilio and
 * Google. Any other route an engineer may leave out on purpose (a sweep, an admin operation without its REST verb).
 * <p>
 * Checked on the route definitions Camel has loaded, before it creates and starts a route.
 */
@Component
public class RequiredRoutes implements CamelContextConfiguration {

    /** The id of the REST definition (routes/api-rest.camel.yaml). */
    static final String REST_API = "api-v1";
    /** The routes of the route files, besides the REST operations' own, that the hub cannot work without. */
    static final List<String> ROUTES = List.of("stripe-webhook-receive", "payrexx-webhook-receive",
            "gcal-webhook-receive", "twilio-status-receive", "notification-send-sms", "notification-send-email",
            "booking-expire-holds");
    static final String PROPERTY = "camel.main.routes-include-pattern";

    private final String includePattern;

    public RequiredRoutes(@Value("${" + PROPERTY + ":}") String includePattern) {
        this.includePattern = includePattern;
    }

    @Override
    public void beforeApplicationStart(CamelContext context) {
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        List<String> missing = missing(model.getRouteDefinitions(), model.getRestDefinitions());
        if (!missing.isEmpty()) {
            throw new ConfigurationError(PROPERTY + " (" + includePattern + ") loaded no " + String.join(", ", missing)
                    + ": the hub would answer 404 to the API and webhook paths they serve (a provider takes a "
                    + "webhook answered 404 for refused)",
                    "Set " + PROPERTY + " (CAMEL_MAIN_ROUTESINCLUDEPATTERN) to where the route files are, named "
                            + "*.camel.yaml (default classpath:routes/*.camel.yaml), or put the missing routes back "
                            + "in them.");
        }
    }

    @Override
    public void afterApplicationStart(CamelContext context) {
        // checked before the start
    }

    /**
     * The required routes, the REST definition and the routes REST operations hand over to, absent from these
     * definitions. A REST operation's route is merged into the operation's own when both are loaded (Camel's REST
     * inline-routes): an operation left with its {@code to: direct:...} has no route to hand over to.
     */
    static List<String> missing(List<RouteDefinition> routes, List<RestDefinition> rests) {
        Set<String> ids = routes.stream().map(RouteDefinition::getRouteId).collect(Collectors.toSet());
        Set<String> inputs = routes.stream().filter(route -> route.getInput() != null)
                .map(route -> route.getInput().getEndpointUri()).collect(Collectors.toSet());
        List<String> missing = new ArrayList<>();
        if (rests.stream().noneMatch(rest -> REST_API.equals(rest.getId()))) {
            missing.add("REST definition " + REST_API);
        }
        for (RouteDefinition operation : routes) {
            if (Boolean.TRUE.equals(operation.isRest()) && !operation.isInlined()) {
                operation.getOutputs().stream().filter(ToDefinition.class::isInstance)
                        .map(to -> ((ToDefinition) to).getEndpointUri())
                        .filter(to -> to != null && to.startsWith("direct:") && !inputs.contains(to))
                        .forEach(to -> missing.add("route from " + to + " ("
                                + restOperation(operation.getInput().getEndpointUri()) + ")"));
            }
        }
        ROUTES.stream().filter(id -> !ids.contains(id)).map(id -> "route " + id).forEach(missing::add);
        return missing;
    }

    /** "REST GET /api/v1/admin/integrations" for Camel's "rest://get:/api/v1:/admin/integrations?...". */
    static String restOperation(String uri) {
        String[] parts = uri.replaceFirst("^rest:(//)?", "").replaceFirst("\\?.*", "").split(":", 3);
        return parts.length < 2 ? uri
                : "REST " + parts[0].toUpperCase(Locale.ROOT) + " " + parts[1] + (parts.length > 2 ? parts[2] : "");
    }
}
