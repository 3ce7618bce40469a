package io.connectify.hub.web;

import java.io.IOException;
import java.io.Writer;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.resilience.Problem;
import jakarta.servlet.ServletException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Tomcat's error report, for the requests it refuses before any servlet, filter or error page runs (a path with a
 * broken percent-encoding or a character it does not allow, {@code /bookings/abc%}): problem+json of the type
 * MvcProblemHandler gives the status, where Tomcat wrote its own HTML page (spring-boot#35668). Everything that
 * reaches the application still gets its answer from the application.
 * <p>
 * A {@code TRACE} too: Tomcat refuses it (405) before the application, and the error page it then forwards to ran
 * with the TRACE method, which wrote nothing: the 405 went out with an empty body. It is answered here, without
 * going further (HttpServlet's TRACE echoes the request, its API key with it), and without the path (a Payrexx
 * webhook's holds its token). An API path's {@code Allow} is then its routes', as for any method it does not take
 * ({@link AllowHeaderFilter}, which no TRACE reaches); before, Tomcat's, the servlet's every method but TRACE
 * ({@code GET, HEAD, POST, PUT, DELETE, OPTIONS} for {@code /api/v1/prices}).
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    private static final String API = "/api/v1/";

    private final ObjectMapper json;
    private final ObjectProvider<RestOperations> operations;

    public ProblemErrorReportValve(ObjectMapper json, ObjectProvider<RestOperations> operations) {
        this.json = json;
        this.operations = operations;
        setShowReport(false);
        setShowServerInfo(false);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        if ("TRACE".equals(request.getMethod()) && response.getStatus() == 405) {
            response.setSuspended(false); // Tomcat's sendError(405) suspended it
            allowFromRoutes(request, response);
            report(request, response, null);
            return;
        }
        super.invoke(request, response);
    }

    /**
     * An API path's Allow as its routes serve it; a path no route serves is 404, as any other method there is (a 405
     * must name the methods allowed: RFC 9110 15.5.6); any other path's left as it is.
     */
    private void allowFromRoutes(Request request, Response response) {
        RestOperations routes = operations.getIfAvailable();
        if (routes == null || !RequestPaths.under(request, API)) {
            return;
        }
        Set<String> methods = routes.allowed(request);
        if (methods.isEmpty()) {
            response.getCoyoteResponse().getMimeHeaders().removeHeader("Allow");
            response.setStatus(404);
        } else {
            response.setHeader("Allow", String.join(", ", methods));
        }
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        // as ErrorReportValve: only an error status, nothing written yet, not reported by anyone else
        if (response.getStatus() < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return; // the connection cannot take an answer: nothing will read one
        }
        Problem problem = MvcProblemHandler.forStatus(response.getStatus(), null);
        try {
            response.setContentType(Problem.MEDIA_TYPE);
            response.setCharacterEncoding("utf-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(json.writeValueAsString(problem));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException ignored) {
            // the client went away, or the response was taken meanwhile: as Tomcat's own report does
        }
    }
}
