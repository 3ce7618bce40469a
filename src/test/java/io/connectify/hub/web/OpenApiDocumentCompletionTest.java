package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.junit.jupiter.api.Test;

/** The OpenAPI document is built on its first request, not when the hub starts the route that serves it. */
class OpenApiDocumentCompletionTest {

    /** Stands for camel-openapi-java's processor, which builds the document when it is initialised. */
    private static final class Generator extends ServiceSupport implements Processor {

        final AtomicInteger builds = new AtomicInteger();

        @Override
        protected void doInit() {
            builds.incrementAndGet();
        }

        @Override
        public void process(Exchange exchange) {
            exchange.getMessage().setBody("{\"openapi\":\"3.0.0\"}".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void theDocumentIsBuiltOnTheFirstRequestOnly() throws Exception {
        Generator generator = new Generator();
        var served = new OpenApiDocumentCompletion.OnFirstRequest(generator,
                generated -> new String(generated, StandardCharsets.UTF_8).replace("}", ",\"completed\":true}")
                        .getBytes(StandardCharsets.UTF_8));

        // what Camel does with the route's processor when the hub starts
        ServiceHelper.initService(served);
        ServiceHelper.startService(served);
        assertThat(generator.builds).hasValue(0);

        try (var camel = new DefaultCamelContext()) {
            for (int request = 0; request < 2; request++) {
                Exchange exchange = new DefaultExchange(camel);
                served.process(exchange);
                assertThat(exchange.getMessage().getBody(String.class))
                        .isEqualTo("{\"openapi\":\"3.0.0\",\"completed\":true}");
            }
        }
        assertThat(generator.builds).hasValue(1);
        ServiceHelper.stopService(served);
        assertThat(generator.isStopped()).isTrue();
    }
}
