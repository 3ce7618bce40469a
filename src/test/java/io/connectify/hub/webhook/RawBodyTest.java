package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import org.apache.camel.Message;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class RawBodyTest {

    private final Message message = new DefaultExchange(new DefaultCamelContext()).getMessage();

    @Test
    void aStreamBodyIsReadAsUtf8OnceAndStaysReadable() {
        String json = "{\"name\":\"Zoë Müller – 東京\"}";
        message.setBody(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));

        assertThat(RawBody.text(message)).isEqualTo(json);
        assertThat(message.getBody()).isEqualTo(json);
        assertThat(RawBody.text(message)).isEqualTo(json);
    }

    @Test
    void bytesStringsAndNoBody() {
        message.setBody("é".getBytes(StandardCharsets.UTF_8));
        assertThat(RawBody.text(message)).isEqualTo("é");
        message.setBody(null);
        assertThat(RawBody.text(message)).isNull();
    }
}
