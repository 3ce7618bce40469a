package io.connectify.hub.resilience;

import java.util.function.Function;

import org.apache.camel.builder.RouteBuilder;

/**
 * Base of every provider adapter's routes: one route per operation, a Circuit Breaker EIP (resilience4j, the
 * provider's breaker bean) around a rate-limited, retried call, with the fallback of {@link ProviderCalls}.
 */
public abstract class ProviderRouteBuilder extends RouteBuilder {

    private final ProviderCalls calls;
    private final String provider;
    private final String circuitBreakerBean;
    private final Function<Throwable, HubException> translator;

    protected ProviderRouteBuilder(ProviderCalls calls, String provider, String circuitBreakerBean,
                                   Function<Throwable, HubException> translator) {
        this.calls = calls;
        this.provider = provider;
        this.circuitBreakerBean = circuitBreakerBean;
        this.translator = translator;
    }

    /**
     * Adapter routes are called by other routes: with no error handler of their own, a failure travels unchanged to
     * the caller (a nested route's error handler would mark it handled, and the caller could no longer answer it).
     */
    @Override
    public void configure() throws Exception {
        errorHandler(noErrorHandler());
        routes();
    }

    /** The provider's routes: {@link #operation} calls and the request/answer steps around them. */
    protected abstract void routes() throws Exception;

    /** {@code direct:<route-id>} -> breaker -> {@code uri}; the route id is the endpoint's name. */
    protected void operation(String endpoint, String description, String uri) {
        operation(endpoint, description, uri, (LostAnswerLookup) null);
    }

    /** An operation whose retry after a lost answer first asks the provider what it did ({@link LostAnswerLookup}). */
    protected void operation(String endpoint, String description, String uri, LostAnswerLookup lookup) {
        operation(endpoint, description, uri, lookup, translator);
    }

    /** An operation whose failures its own translator reads (one that names the operation in its messages, say). */
    protected void operation(String endpoint, String description, String uri,
                             Function<Throwable, HubException> translator) {
        operation(endpoint, description, uri, null, translator);
    }

    private void operation(String endpoint, String description, String uri, LostAnswerLookup lookup,
                           Function<Throwable, HubException> translator) {
        String routeId = endpoint.substring("direct:".length());
        from(endpoint)
                .routeId(routeId)
                .routeDescription(description)
                .circuitBreaker()
                    .resilience4jConfiguration().circuitBreaker(circuitBreakerBean).end()
                    .process(calls.call(provider, routeId, uri, translator, lookup))
                .onFallback()
                    .process(calls.fallback(provider, routeId))
                .end();
    }
}
