package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.StreamCache;
import org.apache.camel.converter.stream.CachedOutputStream;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class RawBodyTest {

    private static final String JSON = "{\"name\":\"Zoë Müller – 東京 \uD83D\uDE00\"}";
    private static final byte[] UTF8 = JSON.getBytes(StandardCharsets.UTF_8);

    private final Exchange exchange = new DefaultExchange(new DefaultCamelContext());
    private final Message message = exchange.getMessage();

    @Test
    void aCachedBodyIsReadOnceIntoItsBytesWhichStayTheBody() throws Exception {
        // what platform-http hands a route with useStreaming: the request's bytes in Camel's stream cache
        try (CachedOutputStream cache = new CachedOutputStream(exchange)) {
            cache.write(UTF8);
            StreamCache body = cache.newStreamCache();
            message.setBody(body);

            byte[] bytes = RawBody.bytes(message);

            assertThat(bytes).isEqualTo(UTF8);
            assertThat(message.getBody()).isSameAs(bytes);
            assertThat(RawBody.bytes(message)).as("read again: the same array").isSameAs(bytes);
        }
    }

    @Test
    void aStreamTextAndNoBody() {
        message.setBody(new ByteArrayInputStream(UTF8));
        assertThat(RawBody.bytes(message)).isEqualTo(UTF8);

        message.setBody(JSON);
        assertThat(RawBody.bytes(message)).as("a text as its UTF-8 bytes").isEqualTo(UTF8);

        message.setBody(null);
        assertThat(RawBody.bytes(message)).isNull();
    }

    @Test
    void bytesAreQueuedAsTheirUtf8TextWhateverCharsetTheRequestDeclared() {
        // Camel's own conversion would decode by the request's declared charset
        exchange.setProperty(Exchange.CHARSET_NAME, "ISO-8859-1");
        message.setBody(UTF8);

        RawBody.asText(message);

        assertThat(message.getBody()).isEqualTo(JSON);
        RawBody.asText(message);
        assertThat(message.getBody()).as("a text stays as it is").isEqualTo(JSON);
    }
}
