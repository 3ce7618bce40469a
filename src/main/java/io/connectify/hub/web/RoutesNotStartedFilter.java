package io.connectify.hub.web;

import java.io.IOException;
import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.camel.CamelContext;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * While Camel's context is not started, every request but Actuator's is 503 {@code unavailable} with
 * {@code Retry-After} ({@code connectify.http.starting-retry-after}), before any other filter reads the routes.
 * <p>
 * Why: the API and the webhooks are Camel's platform-http routes, and Tomcat takes requests before they exist.
 * Spring Boot starts the web server in a lifecycle phase ({@code WebServerStartStopLifecycle}), and Camel's context
 * collects its routes and starts only on the {@code ContextRefreshedEvent} published after that phase
 * (camel-spring-boot's {@code CamelSpringBootApplicationListener}, {@code SpringCamelContext}); no camel.main
 * setting moves it earlier. In between (seconds, 40 under load) every API and webhook path was 404 {@code not-found}:
 * a webhook answered 404 is taken for refused for good (Twilio's status callbacks, Google's push notifications are
 * not delivered again), an API caller is told a booking does not exist. A 503 is delivered again by the providers
 * that redeliver, and told as passing. On the way down there is no such window: Spring stops the web server (after
 * its graceful drain) in a later phase than Camel's ({@code SpringCamelContext#getPhase} is one below the web
 * server's), so the connector is closed before a route stops; a context stopping or suspended otherwise is
 * answered the same way.
 * <p>
 * A plain filter on requests only (not error dispatches), one volatile read of the context's state per request:
 * it runs on every webhook's path. The context is looked up on the first request, not when the filter is made:
 * filters are made before the beans, and no request comes before every bean exists. Ordered right after the correlation id
 * (with Spring Boot's request metrics' filter), before the body limit ({@link BodySizeLimitFilter#ORDER}) and the
 * filters that read the served paths from the routes (the Payrexx path check, the repeated headers, Allow), which
 * would find none yet.
 */
@Component
@Order(RoutesNotStartedFilter.ORDER)
public class RoutesNotStartedFilter implements Filter {

    /**
     * Before the body limit: while the hub starts, a request too large is 503 as any other, not 413, which would tell
     * the caller to send less where nothing would be taken (and a chunked body is not read into memory for nothing).
     * Before, the two shared one order, and which answered first was left to the order the beans were found in.
     */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 1;

    private static final String ACTUATOR = "/actuator/";

    private final ObjectProvider<CamelContext> camel;
    private final Duration retryAfter;
    private final ProblemResponder problems;
    private volatile CamelContext routes;

    public RoutesNotStartedFilter(ObjectProvider<CamelContext> camel,
                                  @Value("${connectify.http.starting-retry-after}") Duration retryAfter,
                                  ProblemResponder problems) {
        this.camel = camel;
        this.retryAfter = PropertyChecks.positive("connectify.http.starting-retry-after", retryAfter,
                "the Retry-After of the 503 answered while the hub starts");
        this.problems = problems;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        CamelContext context = routes;
        if (context == null) {
            context = camel.getIfAvailable();
            routes = context;
        }
        if ((context != null && context.isStarted()) || !(request instanceof HttpServletRequest http)
                || RequestPaths.under(http, ACTUATOR)) {
            chain.doFilter(request, response);
            return;
        }
        // the probes (readiness is not UP before the start ends) and the metrics are Actuator's, not routes
        problems.write((HttpServletResponse) response, new Problem("unavailable", "Service unavailable", 503,
                "The hub is starting or stopping: its API and webhooks are not served yet; ask again",
                http.getRequestURI(), retryAfter));
    }
}
