package io.connectify.hub.resilience;

import io.connectify.hub.ops.MessageMdc;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WARN of each redelivery in place of a queued message ({@code queue-consumers}), in place of Camel's own: Camel
 * logs its "Failed delivery ... On delivery attempt" line after the failed step's MDC was cleared, so it named
 * neither the message's correlation id nor its booking. This one is logged under both, read from the message's
 * headers ({@link MessageMdc}). It says what Camel's said: the attempt that failed and why (the hub's error type and
 * detail, else the failure's class only: {@link Causes#forLog}), never the body.
 */
final class RedeliveryLog implements Processor {

    private static final Logger log = LoggerFactory.getLogger(RedeliveryLog.class);

    private final int attempts;

    /** {@code maxRedeliveries}: the redeliveries after the first attempt. */
    RedeliveryLog(int maxRedeliveries) {
        this.attempts = maxRedeliveries + 1;
    }

    @Override
    public void process(Exchange exchange) {
        // the redelivery about to be made: the attempt that failed is the same number (the first attempt is 1)
        int failed = exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, 1, Integer.class);
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        try (var named = MessageMdc.of(exchange.getIn())) {
            log.warn("Failed delivery for (MessageId: {} on ExchangeId: {}) in {}. On delivery attempt: {} of {} "
                    + "caught: {}; redelivering", exchange.getIn().getMessageId(), exchange.getExchangeId(),
                    exchange.getFromRouteId(), failed, attempts,
                    error == null ? "unknown" : Causes.forLog(error));
        }
    }
}
