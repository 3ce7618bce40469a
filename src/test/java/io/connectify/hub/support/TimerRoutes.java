package io.connectify.hub.support;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;

/** Timer routes run by a test when it chooses, on its own thread, rather than when their timer fires. */
public final class TimerRoutes {

    private TimerRoutes() {
    }

    /** One run of a timer route, as its timer fires it: the exchange it ran, its exception (if any) on it. */
    public static Exchange fire(CamelContext camel, String routeId) {
        Consumer timer = camel.getRoute(routeId).getConsumer();
        Exchange exchange = timer.createExchange(false);
        try {
            timer.getProcessor().process(exchange);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return exchange;
    }
}
