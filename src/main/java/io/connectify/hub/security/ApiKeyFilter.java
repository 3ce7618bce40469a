package io.connectify.hub.security;

import java.io.IOException;

import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import io.connectify.hub.web.HubRequestFilter;
import io.connectify.hub.web.RequestPaths;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * {@code /api/v1/**} needs {@code X-API-Key} with an API or admin key; {@code /api/v1/admin/**} an admin key, and
 * so does the sandbox outbox ({@code /sandbox/**}): with some providers live and Twilio or SendGrid not, it holds
 * real customers' messages, and Actuator's camelroutes ({@code /actuator/camelroutes/**}: every route, its endpoints
 * and state). The OpenAPI document is public. Webhooks and the rest of Actuator (health, prometheus: probes and
 * Prometheus's scrape carry no key) are outside this filter's paths.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiKeyFilter extends HubRequestFilter {

    public static final String HEADER = "X-API-Key";
    private static final String API = "/api/v1/";
    private static final String ADMIN = "/api/v1/admin/";
    private static final String OPENAPI = "/api/v1/openapi.json";
    private static final String SANDBOX = "/sandbox/";
    private static final String CAMEL_ROUTES = "/actuator/camelroutes/";

    private final ApiKeys keys;
    private final ProblemResponder problems;

    public ApiKeyFilter(ApiKeys keys, ProblemResponder problems) {
        this.keys = keys;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // every reading of the path (as sent, decoded, normalised): the routes match the decoded one
        return !(RequestPaths.under(request, API) || RequestPaths.under(request, SANDBOX)
                || RequestPaths.under(request, CAMEL_ROUTES))
                || RequestPaths.of(request).stream().allMatch(OPENAPI::equals);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String key = request.getHeader(HEADER);
        String path = request.getRequestURI();
        boolean admin = RequestPaths.under(request, ADMIN) || RequestPaths.under(request, SANDBOX)
                || RequestPaths.under(request, CAMEL_ROUTES);
        if (admin ? keys.isAdminKey(key) : keys.isApiKey(key)) {
            chain.doFilter(request, response);
            return;
        }
        if (key == null || !keys.isApiKey(key)) {
            // RFC 9110 11.6.1: a 401 names how to authenticate
            response.setHeader("WWW-Authenticate", "ApiKey header=\"" + HEADER + "\"");
            problems.write(response, new Problem("unauthorized", "Unauthorized", 401,
                    "A valid " + HEADER + " header is required", path, null));
        } else {
            problems.write(response, new Problem("forbidden", "Forbidden", 403,
                    "This path needs an admin key", path, null));
        }
    }
}
