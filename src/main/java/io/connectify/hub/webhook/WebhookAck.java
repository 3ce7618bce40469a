package io.connectify.hub.webhook;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * The 200 a provider gets once its event is verified and durably enqueued (or recognised as a duplicate).
 * A {@link Processor}, so the route's {@code bean: webhookAck} calls it directly instead of through Camel's bean
 * binding (choosing the method and evaluating its parameters on every request: bench/RESULTS.md).
 */
@Component("webhookAck")
public class WebhookAck implements Processor {

    @Override
    public void process(Exchange exchange) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        // with a Content-Length instead of chunked: platform-http otherwise streams the answer in chunks, a flush
        // for the body and another write for the closing chunk, two system calls per webhook where one will do
        message.setHeader(Exchange.HTTP_CHUNKED, false);
        message.setBody("{\"received\":true}");
    }
}
