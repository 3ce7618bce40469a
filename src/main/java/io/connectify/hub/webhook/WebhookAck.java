package io.connectify.hub.webhook;

import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.springframework.stereotype.Component;

/** The 200 a provider gets once its event is verified and durably enqueued (or recognised as a duplicate). */
@Component("webhookAck")
public class WebhookAck {

    @Handler
    public void acknowledge(Exchange exchange) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody("{\"received\":true}");
    }
}
