package io.connectify.hub.resilience;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.time.Duration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.camel.Exchange;
import org.apache.camel.StreamCacheException;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The one place where errors become problem+json, for Camel routes ({@link #respond(Exchange)}), servlet filters
 * and Spring MVC ({@link #write(HttpServletResponse, Problem)}). Unexpected errors are logged here, with their
 * stack trace, and answered with a bare 500 that leaks nothing.
 */
@Component("problemResponder")
public class ProblemResponder {

    /** Exchange property with the request's URI, the problem's {@code instance}. */
    public static final String REQUEST_URI = "connectifyRequestUri";
    private static final Logger log = LoggerFactory.getLogger(ProblemResponder.class);

    private final ObjectMapper objectMapper;

    public ProblemResponder(ObjectMapper objectMapper) {
        this.objectMapper = objectMapper;
    }

    /** Used by the api-errors route configuration on the exception Camel caught. */
    public void respond(Exchange exchange) throws JsonProcessingException {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String instance = masked(requestUri(exchange));
        Problem problem = toProblem(caught, instance);
        var message = exchange.getMessage();
        // never echo request headers (the caller's API key among them) back in the response
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, problem.status());
        message.setHeader(Exchange.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (problem.retryAfter() != null) {
            message.setHeader("Retry-After", retryAfterSeconds(problem));
        }
        message.setBody(objectMapper.writeValueAsString(problem));
    }

    /**
     * The request's URI: the property api-errors sets as a route starts, else (a body that failed before, not UTF-8:
     * stream caching fails ahead of it) the request's own; before, that problem had no instance.
     */
    private static String requestUri(Exchange exchange) {
        String uri = exchange.getProperty(REQUEST_URI, String.class);
        if (uri == null) {
            uri = exchange.getIn().getHeader(Exchange.HTTP_URI, String.class);
        }
        if (uri == null && exchange.getIn() instanceof PlatformHttpMessage http && http.getRequest() != null) {
            uri = http.getRequest().getRequestURI();
        }
        return uri;
    }

    public Problem toProblem(Throwable caught, String instance) {
        HubException typed = typed(caught);
        if (typed != null) {
            if (typed.status() >= 500) {
                log.warn("{} {} on {}: {}", typed.status(), typed.type(), instance, typed.getMessage());
            }
            return Problem.of(typed, instance);
        }
        log.error("Unexpected failure on {}", instance, caught);
        return Problem.internal(instance);
    }

    /**
     * The Payrexx webhook path carries a secret token: problems, the access log and the sandbox's failed deliveries
     * name the path without it.
     */
    public static String masked(String uri) {
        return uri != null && uri.startsWith("/webhooks/payrexx/") ? "/webhooks/payrexx/{token}" : uri;
    }

    public void write(HttpServletResponse response, Problem problem) throws IOException {
        if (problem.instance() != null && !problem.instance().equals(masked(problem.instance()))) {
            problem = new Problem(problem.type(), problem.title(), problem.status(), problem.detail(),
                    masked(problem.instance()), problem.retryAfter());
        }
        response.setStatus(problem.status());
        response.setContentType(Problem.MEDIA_TYPE);
        if (problem.retryAfter() != null) {
            response.setHeader("Retry-After", retryAfterSeconds(problem));
        }
        response.getOutputStream().write(objectMapper.writeValueAsBytes(problem));
    }

    private static String retryAfterSeconds(Problem problem) {
        return Long.toString(Math.max(1, (problem.retryAfter().toMillis() + 999) / 1000));
    }

    private static HubException typed(Throwable t) {
        HubException typed = Causes.find(t, HubException.class);
        if (typed != null) {
            return typed;
        }
        // the request body could not be read as text: invalid UTF-8 (Tomcat's reader fails on it)
        if (Causes.find(t, CharacterCodingException.class) != null || Causes.find(t, StreamCacheException.class) != null) {
            return new ValidationException("Request body could not be read as UTF-8 text");
        }
        // a row lock waited for longer than the database allows (connectify.database.lock-timeout): another change
        // to the booking, or another reservation, held it; asking again is safe. Spring translates neither H2's nor
        // PostgreSQL's lock timeout to a locking failure: DatabaseBusy knows both
        if (DatabaseBusy.is(t)) {
            return new InvalidStateException("Another change to this booking or its time is being made; ask again",
                    Duration.ofSeconds(1));
        }
        return null;
    }
}
