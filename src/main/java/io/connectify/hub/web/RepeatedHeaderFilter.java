package io.connectify.hub.web;

import java.io.IOException;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;

import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.security.ApiKeyFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * A header the hub reads one value of, given twice, is 400 {@code validation} naming it, before the API key is
 * checked. The servlet API's {@code getHeader} is the first of them, and the rest went unread: two Idempotency-Keys
 * ran the request under the first, two API keys let it in on the first, and a valid first Stripe-Signature let a
 * second one through. None of them is a list: Stripe puts several {@code v1} in its one header, Twilio and Google
 * send one of each, and the body has one media type. A path no route serves, or a method it does not take, is 404
 * or 405 first.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
public class RepeatedHeaderFilter extends HubRequestFilter {

    /** The single-valued headers the hub reads: API, body, and each webhook's authentication and event. */
    static final List<String> SINGLE = Stream.concat(
            Stream.of(ApiKeyFilter.HEADER, IdempotencyKeyFilter.HEADER, "Content-Type"),
            RequestParameters.WEBHOOK_HEADERS.stream()).toList();

    private final ProblemResponder problems;
    private final ApiRoutes routes;

    public RepeatedHeaderFilter(ProblemResponder problems, ApiRoutes routes) {
        this.problems = problems;
        this.routes = routes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String repeated = repeated(request);
        if (repeated != null && routes.serve(request)) {
            problems.write(response, Problem.of(new ValidationException("Header '" + repeated
                    + "' is given more than once"), request.getRequestURI()));
            return;
        }
        chain.doFilter(request, response);
    }

    private static String repeated(HttpServletRequest request) {
        for (String name : SINGLE) {
            // stepped through, not listed: this runs on every request, webhooks included
            Enumeration<String> values = request.getHeaders(name);
            if (values != null && values.hasMoreElements()) {
                values.nextElement();
                if (values.hasMoreElements()) {
                    return name;
                }
            }
        }
        return null;
    }
}
