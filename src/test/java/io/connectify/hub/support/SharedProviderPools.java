package io.connectify.hub.support;

import java.lang.reflect.Field;
import java.util.concurrent.ExecutorService;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.support.component.AbstractApiEndpoint;

/**
 * The provider pools of Camel's API components (camel-google-calendar, camel-twilio) across the suite's contexts.
 * Camel keeps one such pool per component in a JVM-wide static map; the context that made it owns it and shuts it
 * down when it closes, while each endpoint keeps the pool it first got in a field. The suite runs many hub contexts
 * in one JVM: once the context that made the pool is closed (a class's {@code @DirtiesContext}: ReadinessTest's closes
 * the suite's default context, which made the pools), a cached context whose endpoints got that pool hands each provider call to a
 * shut-down executor, whose caller-runs policy drops it without a word, and the caller waits for ever (a booking's
 * free/busy query, a notice's SMS: BrokerDeadLetterTest's first request hung 30 s in two full runs). A hub runs one
 * context per JVM, whose pools live as long as it does: only the tests meet this. {@link SharedProviderPoolsRenewal}
 * renews them before each test of every Spring test class.
 */
public final class SharedProviderPools {

    private static final Field POOL = poolField();

    private SharedProviderPools() {
    }

    /**
     * Lets the API endpoints of {@code camel} whose pool another context shut down take a live one at their next
     * call (Camel's static map makes it anew, owned by this context); answers how many.
     */
    public static int renewShutDown(CamelContext camel) {
        int renewed = 0;
        for (Endpoint endpoint : camel.getEndpoints()) {
            if (endpoint instanceof AbstractApiEndpoint<?, ?> api) {
                try {
                    ExecutorService pool = (ExecutorService) POOL.get(api);
                    if (pool != null && pool.isShutdown()) {
                        POOL.set(api, null);
                        renewed++;
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return renewed;
    }

    /** The free/busy endpoint of {@code camel}, whose pool a booking's or an availability query's call takes. */
    public static AbstractApiEndpoint<?, ?> freeBusyEndpoint(CamelContext camel) {
        return camel.getEndpoints().stream()
                .filter(endpoint -> endpoint.getEndpointUri().startsWith("google-calendar://freebusy"))
                .map(endpoint -> (AbstractApiEndpoint<?, ?>) endpoint).findFirst().orElseThrow();
    }

    private static Field poolField() {
        try {
            Field field = AbstractApiEndpoint.class.getDeclaredField("executorService");
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("Camel's AbstractApiEndpoint keeps its pool elsewhere: see this class", e);
        }
    }
}
