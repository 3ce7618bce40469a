package io.connectify.hub.ops;

import io.connectify.hub.booking.BookingIds;
import org.apache.camel.Exchange;
import org.apache.camel.impl.engine.MDCUnitOfWork;
import org.apache.camel.spi.InflightRepository;
import org.apache.camel.spi.UnitOfWork;
import org.slf4j.MDC;

/**
 * Camel's MDC unit of work, plus the booking an exchange is about: once a step has named it (the {@code bookingId}
 * header of a payment event or a notification, or the exchange property a booking's creation sets), every later log
 * line of the exchange carries {@code bookingId} in its MDC, the id as the hub stores it (lower case, as
 * {@link BookingIds#ofEvent} reads one written in any case), so structured logs (ECS) of one booking can be found by
 * that field, across the webhook, the saga, the calendar call and the notifications. An exchange started inside
 * another (a ProducerTemplate call) keeps the outer one's; each restores what it found when it ends.
 */
class BookingMdcUnitOfWork extends MDCUnitOfWork {

    static final String MDC_KEY = BookingMdc.KEY;

    private final InflightRepository inflight;
    private final String pattern;
    private final boolean allowUseOriginalMessage;
    private final boolean useBreadcrumb;
    private final String originalBookingId;
    // the id last read from the exchange and its stored form (null: no booking id), so that each step (whose end
    // clears the MDC) puts it back without parsing it again. Assigned by prepareMDC, which Camel's constructor calls
    // before this class's fields are set: no initialiser, or it would undo that first reading
    private String readId;
    private String storedId;

    /**
     * {@code originalBookingId}: the MDC's before this unit of work, read by the caller before constructing it (Camel's
     * constructor already prepares the MDC, this exchange's booking included).
     */
    BookingMdcUnitOfWork(Exchange exchange, InflightRepository inflight, String pattern, boolean allowUseOriginalMessage,
                         boolean useBreadcrumb, String originalBookingId) {
        super(exchange, inflight, pattern, allowUseOriginalMessage, useBreadcrumb);
        this.inflight = inflight;
        this.pattern = pattern;
        this.allowUseOriginalMessage = allowUseOriginalMessage;
        this.useBreadcrumb = useBreadcrumb;
        this.originalBookingId = originalBookingId;
    }

    @Override
    protected void prepareMDC(Exchange exchange) {
        super.prepareMDC(exchange);
        Object bookingId = exchange.getMessage().getHeader(MDC_KEY);
        if (bookingId == null) {
            bookingId = exchange.getProperty(MDC_KEY);
        }
        // every step of the exchange comes here: parsed only for an id the MDC does not hold yet
        if (bookingId instanceof String id && !id.equals(MDC.get(MDC_KEY))) {
            // the id as the hub stores and looks it up (a provider's event may name it upper-case, blanks around
            // it): one booking's lines under one value. Only a UUID's own written form is logged, so a header of
            // that name a caller sent with anything else is not (no forged line). Parsed once per id an exchange
            // names, not at every step (a UUID parsed and written again at every step: about 1% of a webhook's garbage)
            if (!id.equals(readId)) {
                storedId = BookingIds.ofEvent(id);
                readId = id;
            }
            if (storedId != null) {
                MDC.put(MDC_KEY, storedId);
            }
        }
    }

    @Override
    public UnitOfWork newInstance(Exchange exchange) {
        return new BookingMdcUnitOfWork(exchange, inflight, pattern, allowUseOriginalMessage, useBreadcrumb,
                MDC.get(MDC_KEY));
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
