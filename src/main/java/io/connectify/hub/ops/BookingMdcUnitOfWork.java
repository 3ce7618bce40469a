package io.connectify.hub.ops;

import org.apache.camel.Exchange;
import org.apache.camel.impl.engine.MDCUnitOfWork;
import org.apache.camel.spi.InflightRepository;
import org.apache.camel.spi.UnitOfWork;
import org.slf4j.MDC;

/**
 * Camel's MDC unit of work, plus the booking an exchange is about: once a step has named it (the {@code bookingId}
 * header of a payment event or a notification, or the exchange property a booking's creation sets), every later log
 * line of the exchange carries {@code bookingId} in its MDC, so structured logs (ECS) of one booking can be found by
 * that field, across the webhook, the saga, the calendar call and the notifications. An exchange started inside
 * another (a ProducerTemplate call) keeps the outer one's; each restores what it found when it ends.
 */
class BookingMdcUnitOfWork extends MDCUnitOfWork {

    static final String MDC_KEY = "bookingId";

    private final InflightRepository inflight;
    private final String pattern;
    private final boolean allowUseOriginalMessage;
    private final boolean useBreadcrumb;
    private final String originalBookingId;

    BookingMdcUnitOfWork(Exchange exchange, InflightRepository inflight, String pattern, boolean allowUseOriginalMessage,
                         boolean useBreadcrumb) {
        super(exchange, inflight, pattern, allowUseOriginalMessage, useBreadcrumb);
        this.inflight = inflight;
        this.pattern = pattern;
        this.allowUseOriginalMessage = allowUseOriginalMessage;
        this.useBreadcrumb = useBreadcrumb;
        this.originalBookingId = MDC.get(MDC_KEY);
    }

    @Override
    protected void prepareMDC(Exchange exchange) {
        super.prepareMDC(exchange);
        Object bookingId = exchange.getMessage().getHeader(MDC_KEY);
        if (bookingId == null) {
            bookingId = exchange.getProperty(MDC_KEY);
        }
        if (bookingId instanceof String id && !id.isEmpty()) {
            MDC.put(MDC_KEY, id);
        }
    }

    @Override
    public UnitOfWork newInstance(Exchange exchange) {
        return new BookingMdcUnitOfWork(exchange, inflight, pattern, allowUseOriginalMessage, useBreadcrumb);
    }

    @Override
    public void clear() {
        super.clear();
        if (originalBookingId != null) {
            MDC.put(MDC_KEY, originalBookingId);
        } else {
            MDC.remove(MDC_KEY);
        }
    }
}
