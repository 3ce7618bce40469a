package io.connectify.hub.web;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.NoSuchElementException;

import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Actuator answers a path or health group it does not have ({@code /actuator/nope}, {@code /actuator/health/nope})
 * with a bare 404 and an empty body, not through the error page: such an answer, an error status with nothing
 * written, gets the problem+json of its status ({@link MvcProblemHandler#forStatus}). What Actuator writes (a
 * health of 503 with its components) is left as it is, and so is an error sent to the error page, which answers it.
 * An unknown route id of {@code /actuator/camelroutes/{id}/info|detail} is 404, not the 500 and ERROR trace of the
 * endpoint's exception.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 4)
public class ActuatorProblemFilter extends HubRequestFilter {

    private static final String CAMEL_ROUTES = "/actuator/camelroutes/";

    private final ProblemResponder problems;

    public ActuatorProblemFilter(ProblemResponder problems) {
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !RequestPaths.under(request, "/actuator/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Watched watched = new Watched(response);
        try {
            chain.doFilter(request, watched);
        } catch (ServletException | RuntimeException e) {
            // Camel's camelroutes endpoint looks a route id up with Optional.get: an unknown one is no server error
            if (!(rootCause(e) instanceof NoSuchElementException) || !RequestPaths.under(request, CAMEL_ROUTES)
                    || response.isCommitted()) {
                throw e;
            }
            // the body only: reset() would drop the headers set before the chain (X-Correlation-Id)
            response.resetBuffer();
            problems.write(response, new Problem("not-found", "Not found", 404, "No route with this id",
                    request.getRequestURI(), null));
            return;
        }
        if (watched.getStatus() >= 400 && !watched.bodyTaken && !watched.errorSent && !response.isCommitted()) {
            problems.write(response, MvcProblemHandler.forStatus(watched.getStatus(), request.getRequestURI()));
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Tells whether anything took the body's stream, or sent the status to the error page. */
    private static final class Watched extends HttpServletResponseWrapper {

        private boolean bodyTaken;
        private boolean errorSent;

        Watched(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            bodyTaken = true;
            return super.getOutputStream();
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            bodyTaken = true;
            return super.getWriter();
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            errorSent = true;
            super.sendError(sc, msg);
        }

        @Override
        public void sendError(int sc) throws IOException {
            errorSent = true;
            super.sendError(sc);
        }
    }
}
