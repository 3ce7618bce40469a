package io.connectify.hub.web;

import java.io.IOException;
import java.util.Set;

import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import io.connectify.hub.resilience.ValidationException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * An operation that takes no body (a cancel, a replay, an expire: {@link RestOperations#takesNoBody}) refuses one
 * with 400 validation before it acts: its route never reads the body, so a
 * {@code {"queue":"stripe-events","dryRun":true}} replayed every queue and a malformed one cancelled the booking.
 * Nothing but whitespace, or an empty object ({@code {}}, what some clients send for "no body"), passes.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 22)
public class BodilessOperationFilter extends HubRequestFilter {

    private static final Set<String> METHODS = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final ProblemResponder problems;
    private final RestOperations operations;

    public BodilessOperationFilter(ProblemResponder problems, RestOperations operations) {
        this.problems = problems;
        this.operations = operations;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !METHODS.contains(request.getMethod()) || !RequestPaths.under(request, "/api/v1/")
                || BodySizeLimitFilter.hasNoBody(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!operations.takesNoBody(request)) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = request.getInputStream().readAllBytes(); // at most connectify.http.max-body-bytes by now
        if (!empty(body)) {
            problems.write(response, Problem.of(new ValidationException("This operation takes no body"),
                    request.getRequestURI()));
            return;
        }
        chain.doFilter(new BufferedBodyRequest(request, body), response);
    }

    /** Only JSON whitespace, or an empty object. */
    private static boolean empty(byte[] body) {
        StringBuilder rest = new StringBuilder(2);
        for (byte b : body) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                continue;
            }
            if (rest.length() == 2) {
                return false;
            }
            rest.append((char) b);
        }
        return rest.isEmpty() || rest.toString().equals("{}");
    }
}
