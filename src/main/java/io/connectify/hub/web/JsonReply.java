package io.connectify.hub.web;

import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.springframework.stereotype.Component;

/**
 * Last step of every API route: writes the API bean's answer as the HTTP response. Request headers are dropped
 * first, because Camel's HTTP consumers would otherwise copy them (the caller's API key among them) into the
 * response.
 */
@Component("jsonReply")
public class JsonReply {

    private final JsonBodies json;

    public JsonReply(JsonBodies json) {
        this.json = json;
    }

    /** A create's answer (something made at the provider, with no URL of the hub's to read it back): 201. */
    public void created(Exchange exchange) {
        exchange.getMessage().setBody(ApiReply.created(null, exchange.getMessage().getBody()));
        write(exchange);
    }

    /** A delete's answer: 204, no body. */
    public void noContent(Exchange exchange) {
        exchange.getMessage().setBody(ApiReply.noContent());
        write(exchange);
    }

    @Handler
    public void write(Exchange exchange) {
        var message = exchange.getMessage();
        Object body = message.getBody();
        ApiReply reply = body instanceof ApiReply r ? r : ApiReply.ok(body);
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, reply.status());
        if (reply.location() != null) {
            message.setHeader("Location", reply.location());
        }
        if (reply.body() == null) {
            message.setBody(null);
        } else {
            message.setHeader(Exchange.CONTENT_TYPE, "application/json");
            message.setBody(json.write(reply.body()));
        }
    }
}
