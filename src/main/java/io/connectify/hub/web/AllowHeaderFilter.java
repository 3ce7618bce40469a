package io.connectify.hub.web;

import java.io.IOException;
import java.util.Set;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The {@code Allow} an API path's 405 or OPTIONS answers is the methods its routes serve ({@link RestOperations}: a
 * GET's HEAD, and OPTIONS); a path no route serves answers none; {@code Accept-Patch} names the JSON types a PATCH
 * takes where the path has one, else is left out. Before, a 405 listed the one method mapped ({@code Allow: GET}),
 * an OPTIONS of an unknown path Tomcat's every method with TRACE, and OPTIONS an empty {@code Accept-Patch}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 6)
public class AllowHeaderFilter extends HubRequestFilter {

    static final String ACCEPT_PATCH = "application/json, application/merge-patch+json";

    private final RestOperations operations;

    public AllowHeaderFilter(RestOperations operations) {
        this.operations = operations;
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false; // the error page's own OPTIONS handling (of /error) set Tomcat's every method on a 404
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        if (request.getDispatcherType() == DispatcherType.ERROR) {
            Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
            return !(uri instanceof String path && path.startsWith("/api/v1/"));
        }
        return !RequestPaths.under(request, "/api/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getDispatcherType() == DispatcherType.ERROR) {
            doFilterNestedErrorDispatch(request, response, chain);
            return;
        }
        chain.doFilter(request, new AllowFromRoutes(request, response, operations));
    }

    /** The error page answers for the request: what the request's routes allow was set already, nothing more is. */
    @Override
    protected void doFilterNestedErrorDispatch(HttpServletRequest request, HttpServletResponse response,
                                               FilterChain chain) throws ServletException, IOException {
        chain.doFilter(request, new AllowFromRoutes(request, response, null));
    }

    private static boolean routesOwn(String header) {
        return "Allow".equalsIgnoreCase(header) || "Accept-Patch".equalsIgnoreCase(header);
    }

    /** Writes the routes' Allow and Accept-Patch in place of whatever Spring or Tomcat sets (none: only drops it). */
    private static final class AllowFromRoutes extends HttpServletResponseWrapper {

        private final HttpServletRequest request;
        private final RestOperations operations;

        AllowFromRoutes(HttpServletRequest request, HttpServletResponse response, RestOperations operations) {
            super(response);
            this.request = request;
            this.operations = operations;
        }

        @Override
        public void setHeader(String name, String value) {
            if (!replaced(name)) {
                super.setHeader(name, value);
            }
        }

        @Override
        public void addHeader(String name, String value) {
            if (!replaced(name)) {
                super.addHeader(name, value);
            }
        }

        private boolean replaced(String name) {
            if (!routesOwn(name)) {
                return false;
            }
            if (operations == null) {
                return true;
            }
            boolean allow = "Allow".equalsIgnoreCase(name);
            Set<String> methods = operations.allowed(request);
            if (allow && !methods.isEmpty()) {
                super.setHeader("Allow", String.join(", ", methods));
            } else if (!allow && methods.contains("PATCH")) {
                super.setHeader("Accept-Patch", ACCEPT_PATCH);
            }
            return true;
        }
    }
}
