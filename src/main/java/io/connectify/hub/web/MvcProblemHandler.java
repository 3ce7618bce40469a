package io.connectify.hub.web;

import java.io.IOException;

import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces Spring Boot's /error page: whatever fails outside a Camel route (unknown path, wrong method, a
 * container error) is answered as problem+json with a stable type and no stack trace.
 */
@RestController
public class MvcProblemHandler implements ErrorController {

    private final ProblemResponder problems;

    public MvcProblemHandler(ProblemResponder problems) {
        this.problems = problems;
    }

    @RequestMapping("/error")
    public void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        // no error status: /error asked for by itself, which is no resource of the API (it was a 500)
        int status = code instanceof Integer i ? i : 404;
        String uri = (String) request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        problems.write(response, forStatus(status, uri));
    }

    static Problem forStatus(int status, String uri) {
        return switch (status) {
            case 404 -> new Problem("not-found", "Not found", 404, "No resource at this path", uri, null);
            case 405 -> new Problem("method-not-allowed", "Method not allowed", 405,
                    "This path does not accept that method", uri, null);
            case 406 -> Problem.notAcceptable("The answer is JSON, which the request does not accept", uri);
            case 413 -> new Problem("payload-too-large", "Request body too large", 413,
                    "Request body is too large", uri, null);
            case 415 -> Problem.unsupportedMediaType("This path does not accept that content type", uri);
            // a consumer that takes no requests (the hub stopping, a route stopped): passing, not an internal error
            case 503 -> new Problem("unavailable", "Service unavailable", 503,
                    "The hub cannot take this request now; ask again", uri, null);
            default -> status >= 400 && status < 500
                    ? new Problem("bad-request", reason(status), status, "The request could not be processed", uri,
                            null)
                    : Problem.internal(uri);
        };
    }

    private static String reason(int status) {
        HttpStatus known = HttpStatus.resolve(status); // a status Spring does not name (499) threw here
        return known == null ? "Bad request" : known.getReasonPhrase();
    }
}
