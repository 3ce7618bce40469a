package io.connectify.hub.web;

import java.io.IOException;
import java.util.List;

import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * The REST API answers JSON only (application/json, or application/problem+json for a problem): a request whose
 * {@code Accept} takes neither gets 406 problem+json before any route runs, where it got a 200 in JSON it had said
 * it could not read. No Accept, or one with a wildcard that covers JSON, is JSON. The one check of it, as for
 * {@link JsonContentTypeFilter}. A path no route serves, or a
 * method it does not, is 404 or 405 first.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 19)
public class JsonAcceptFilter extends HubRequestFilter {

    private static final MediaType PROBLEM = MediaType.parseMediaType(Problem.MEDIA_TYPE);

    private final ProblemResponder problems;
    private final ApiRoutes routes;

    public JsonAcceptFilter(ProblemResponder problems, ApiRoutes routes) {
        this.problems = problems;
        this.routes = routes;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return request.getHeader("Accept") == null || !RequestPaths.under(request, "/api/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!takesJson(request.getHeader("Accept")) && routes.serve(request)) { // else 404 or 405 comes first
            problems.write(response, Problem.notAcceptable("The API answers application/json (and "
                    + Problem.MEDIA_TYPE + " for a problem); ask for one of them", request.getRequestURI()));
            return;
        }
        chain.doFilter(request, response);
    }

    private static boolean takesJson(String accept) {
        List<MediaType> accepted;
        try {
            accepted = MediaType.parseMediaTypes(accept);
        } catch (InvalidMediaTypeException unreadable) {
            return true; // an Accept no one can read asks for nothing in particular
        }
        return accepted.isEmpty() || accepted.stream().anyMatch(type -> type.getQualityValue() > 0
                && (type.isCompatibleWith(MediaType.APPLICATION_JSON) || type.isCompatibleWith(PROBLEM)));
    }
}
