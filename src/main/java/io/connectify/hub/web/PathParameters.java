package io.connectify.hub.web;

import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Path parameters as the route was matched: Camel's binding takes them from the path as sent ({@code getRequestURI}:
 * not decoded, {@code ;parameters} kept), while Spring matched the route on the decoded path, so
 * {@code /bookings/<id>;v=1} found the route and then no booking ("<id>;v=1"), and an id sent percent-encoded was
 * refused as malformed. Spring's decoded variables of the match replace them.
 */
public final class PathParameters {

    private PathParameters() {
    }

    public static void useDecoded(Exchange exchange) {
        if (exchange.getIn() instanceof PlatformHttpMessage http && http.getRequest() != null
                && http.getRequest().getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE)
                        instanceof Map<?, ?> variables) {
            variables.forEach((name, value) -> exchange.getIn().setHeader((String) name, value));
        }
    }
}
