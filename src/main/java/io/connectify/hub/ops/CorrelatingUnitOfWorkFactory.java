package io.connectify.hub.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.engine.DefaultUnitOfWorkFactory;
import org.apache.camel.spi.UnitOfWork;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * An exchange that a bean starts from inside another one (a ProducerTemplate call: the saga calling the calendar
 * adapter, planning notifications) inherits the running exchange's correlation id instead of getting a new one,
 * so the whole chain keeps the id the request or webhook came with; with MDC logging on, its log lines also carry
 * the booking it is about ({@link BookingMdcUnitOfWork}). Camel picks this factory up from the registry.
 */
@Component
public class CorrelatingUnitOfWorkFactory extends DefaultUnitOfWorkFactory {

    private CamelContext context;

    @Override
    public void afterPropertiesConfigured(CamelContext camelContext) {
        super.afterPropertiesConfigured(camelContext);
        this.context = camelContext;
    }

    @Override
    public UnitOfWork createUnitOfWork(Exchange exchange) {
        if (exchange.getIn().getHeader(CorrelationId.CAMEL_HEADER) == null) {
            String running = CorrelationId.current();
            if (running != null) {
                exchange.getIn().setHeader(CorrelationId.CAMEL_HEADER, running);
            }
        }
        if (context != null && context.isUseMDCLogging()) {
            return new BookingMdcUnitOfWork(exchange, context.getInflightRepository(),
                    context.getMDCLoggingKeysPattern(), context.isAllowUseOriginalMessage(), context.isUseBreadcrumb(),
                    MDC.get(BookingMdcUnitOfWork.MDC_KEY));
        }
        return super.createUnitOfWork(exchange);
    }
}
