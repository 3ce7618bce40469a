package io.connectify.hub.web;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The webhook paths a route serves, as any reading of the request's path ({@link RequestPaths}), read from the
 * routes themselves: each route consuming {@code platform-http:/webhooks/...} (webhook-ingress.camel.yaml: Stripe,
 * Payrexx with its token, Google Calendar; notifications.camel.yaml: Twilio's status callbacks), a {@code {name}}
 * in it one segment. Before, the paths were written here a second time, and a test failed when the two drifted.
 * Any other path under /webhooks/ is 404 from Spring, before any route runs.
 */
@Component
public class WebhookPaths {

    private static final String CONSUMER = "platform-http:";
    private static final String UNDER = "/webhooks/";

    private final ObjectProvider<CamelContext> camel;
    /** Read once the routes are defined; the filters that ask are made before Camel's context. */
    private volatile Served read;

    @Autowired
    public WebhookPaths(ObjectProvider<CamelContext> camel) {
        this.camel = camel;
    }

    /** The paths as given, for a check of the matching without a Camel context. */
    WebhookPaths(List<String> templates) {
        this.camel = null;
        this.read = Served.of(templates);
    }

    /** The routes' webhook paths, as their {@code from} writes them ({@code /webhooks/payrexx/{token}}). */
    public List<String> templates() {
        return served().templates();
    }

    /** Whether a webhook route serves the request's path. */
    boolean served(HttpServletRequest request) {
        Pattern paths = served().paths();
        return RequestPaths.of(request).stream().anyMatch(path -> paths.matcher(path).matches());
    }

    /** The path before the token of the webhook route that has one (Payrexx's, {@code /webhooks/payrexx/}). */
    String tokenPrefix() {
        return served().tokenPrefix();
    }

    /** Whether the path is Payrexx's, or under it, and its route does not serve it (a trailing slash, a segment more). */
    boolean payrexxUnserved(HttpServletRequest request) {
        String prefix = tokenPrefix();
        return prefix != null && RequestPaths.under(request, prefix) && !served(request);
    }

    /** What is wrong with such a path, told without any of its segments (the first is the token). */
    String payrexxShape(HttpServletRequest request) {
        String prefix = tokenPrefix();
        String bare = prefix.substring(0, prefix.length() - 1);
        String rest = RequestPaths.of(request).stream().filter(p -> p.startsWith(bare)).findFirst().orElse(bare)
                .substring(bare.length());
        long segments = Arrays.stream(rest.split("/")).filter(s -> !s.isEmpty()).count();
        if (segments == 0) {
            return "no token";
        }
        return segments + (segments == 1 ? " segment" : " segments") + " after " + prefix
                + (rest.endsWith("/") ? ", a trailing slash" : "");
    }

    private Served served() {
        Served known = read;
        if (known != null) {
            return known;
        }
        CamelContext context = camel.getIfAvailable();
        Model model = context == null ? null : context.getCamelContextExtension().getContextPlugin(Model.class);
        List<String> templates = new ArrayList<>();
        for (RouteDefinition route : model == null ? List.<RouteDefinition>of() : model.getRouteDefinitions()) {
            String uri = route.getInput() == null ? null : route.getInput().getEndpointUri();
            if (uri != null && uri.startsWith(CONSUMER + UNDER)) {
                String path = uri.substring(CONSUMER.length());
                int options = path.indexOf('?');
                templates.add(options < 0 ? path : path.substring(0, options));
            }
        }
        known = Served.of(templates);
        if (!templates.isEmpty()) {
            read = known; // none yet: the routes are not defined yet, ask again
        }
        return known;
    }

    private record Served(List<String> templates, Pattern paths, String tokenPrefix) {

        static Served of(List<String> templates) {
            // a {name} is one segment, as the route's own matching takes it; the rest literally
            String paths = templates.stream()
                    .map(t -> Arrays.stream(t.split("\\{[^}/]+}", -1)).map(Pattern::quote)
                            .collect(Collectors.joining("[^/]+")))
                    .collect(Collectors.joining("|"));
            String tokenPrefix = templates.stream().filter(t -> t.indexOf('{') > 0)
                    .map(t -> t.substring(0, t.indexOf('{'))).findFirst().orElse(null);
            return new Served(List.copyOf(templates), Pattern.compile(paths.isEmpty() ? "(?!)" : paths),
                    tokenPrefix);
        }
    }
}
