package io.connectify.hub.ops;

import org.apache.camel.Exchange;
import org.apache.camel.impl.engine.DefaultUnitOfWorkFactory;
import org.apache.camel.spi.UnitOfWork;
import org.springframework.stereotype.Component;

/**
 * An exchange that a bean starts from inside another one (a ProducerTemplate call: the saga calling the calendar
 * adapter, planning notifications) inherits the running exchange's correlation id instead of getting a new one,
 * so the whole chain keeps the id the request or webhook came with. Camel picks this factory up from the registry.
 */
@Component
public class CorrelatingUnitOfWorkFactory extends DefaultUnitOfWorkFactory {

    @Override
    public UnitOfWork createUnitOfWork(Exchange exchange) {
        if (exchange.getIn().getHeader(CorrelationId.CAMEL_HEADER) == null) {
            String running = CorrelationId.current();
            if (running != null) {
                exchange.getIn().setHeader(CorrelationId.CAMEL_HEADER, running);
            }
        }
        return super.createUnitOfWork(exchange);
    }
}
