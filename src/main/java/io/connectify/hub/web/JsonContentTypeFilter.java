package io.connectify.hub.web;

import java.io.IOException;
import java.util.Locale;

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
 * The REST API reads JSON only: a POST, PUT or PATCH to {@code /api/v1/**} with a body of another content type
 * gets 415 problem+json before any route runs; one without a body needs no type. The one check of it: the routes'
 * request mapping takes any (application.yaml, camel.component.platform-http.server-request-validation). (Webhooks keep the content types
 * their providers send.) A path no route serves, or a method it does not, is 404 or 405 first.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class JsonContentTypeFilter extends HubRequestFilter {

    private final ProblemResponder problems;
    private final ApiRoutes routes;

    public JsonContentTypeFilter(ProblemResponder problems, ApiRoutes routes) {
        this.problems = problems;
        this.routes = routes;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String method = request.getMethod();
        return !RequestPaths.under(request, "/api/v1/")
                || !(method.equals("POST") || method.equals("PUT") || method.equals("PATCH"))
                || BodySizeLimitFilter.hasNoBody(request); // a POST with nothing to read (a cancel) has no type
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // no route: the container's 404 or 405 says more than a 415
        if (!json(request.getContentType()) && routes.serve(request)) {
            problems.write(response, Problem.unsupportedMediaType("Send the body as application/json",
                    request.getRequestURI()));
            return;
        }
        chain.doFilter(request, response);
    }

    /**
     * application/json or a +json subtype (application/merge-patch+json), parameters aside; media types are
     * case-insensitive (RFC 9110 8.3.1). Before, any type starting with application/json was taken: jsonp, json-seq
     * and jsonl, which are not one JSON value. Its charset, known to Java or not, is no matter: the body is read as
     * UTF-8.
     */
    static boolean json(String contentType) {
        if (contentType == null) {
            return false;
        }
        MediaType type;
        try {
            // the type alone: parsed with its parameters, a charset Java does not know (x-bogus) threw, a 415 for a
            // body that is read as UTF-8 whatever charset it names
            int parameters = contentType.indexOf(';');
            type = MediaType.parseMediaType(parameters < 0 ? contentType : contentType.substring(0, parameters));
        } catch (InvalidMediaTypeException notAType) {
            return false;
        }
        String subtype = type.getSubtype().toLowerCase(Locale.ROOT);
        return type.getType().equalsIgnoreCase("application")
                && (subtype.equals("json") || subtype.endsWith("+json") && subtype.length() > "+json".length());
    }
}
