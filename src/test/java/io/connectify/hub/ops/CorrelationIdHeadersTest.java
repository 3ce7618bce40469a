package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.camel.Message;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class CorrelationIdHeadersTest {

    private final Message message = new DefaultExchange(new DefaultCamelContext()).getMessage();

    @Test
    void everyHeaderGoesButTheCorrelationId() {
        message.setHeader("Stripe-Signature", "t=1,v1=abc");
        message.setHeader("Content-Type", "application/json");
        message.setHeader(CorrelationId.CAMEL_HEADER, "corr-1");

        CorrelationId.keepOnlyItsHeader(message);

        assertThat(message.getHeaders()).containsOnlyKeys(CorrelationId.CAMEL_HEADER);
        assertThat(message.getHeader(CorrelationId.CAMEL_HEADER)).isEqualTo("corr-1");
    }

    @Test
    void withoutAnIdNoHeaderIsLeft() {
        message.setHeader("Content-Type", "application/json");

        CorrelationId.keepOnlyItsHeader(message);

        assertThat(message.getHeaders()).isEmpty();
    }

    @Test
    void aProviderRequestCarriesOnlyTheIdAsXCorrelationId() {
        message.setHeader("Authorization", "Bearer caller-token");
        message.setHeader(CorrelationId.CAMEL_HEADER, "corr-2");

        CorrelationId.keepOnlyItForAProviderRequest(message.getExchange());

        assertThat(message.getHeaders()).containsOnlyKeys(CorrelationId.CAMEL_HEADER, CorrelationId.HTTP_HEADER);
        assertThat(message.getHeader(CorrelationId.HTTP_HEADER)).isEqualTo("corr-2");
    }
}
