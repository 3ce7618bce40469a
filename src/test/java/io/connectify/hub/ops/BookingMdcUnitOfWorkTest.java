package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The booking id an exchange names is in the log MDC while it runs, and gone once it is done. */
class BookingMdcUnitOfWorkTest {

    private static final String BOOKING = "21f63f61-7cfe-4cc9-8441-2ea02b078fe4";

    private final DefaultCamelContext camel = new DefaultCamelContext();

    @AfterEach
    void clearTheThread() {
        MDC.clear();
    }

    @Test
    void theBookingOfAnExchangeLeavesTheThreadWithIt() {
        Exchange exchange = exchange(BOOKING);
        BookingMdcUnitOfWork unitOfWork = unitOfWork(exchange);
        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).isEqualTo(BOOKING);

        unitOfWork.done(exchange);

        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).as("the next exchange on this thread").isNull();
    }

    @Test
    void anExchangeStartedInsideAnotherGivesTheOuterOneItsBookingBack() {
        Exchange outer = exchange(BOOKING);
        BookingMdcUnitOfWork outerWork = unitOfWork(outer);
        Exchange inner = exchange(null);
        BookingMdcUnitOfWork innerWork = unitOfWork(inner);
        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).as("inherited").isEqualTo(BOOKING);

        innerWork.done(inner);
        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).isEqualTo(BOOKING);
        outerWork.done(outer);
        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).isNull();
    }

    @Test
    void aBookingNamedInCapitalsWithBlanksAroundItIsLoggedByItsIdAsStored() {
        unitOfWork(exchange(" " + BOOKING.toUpperCase(Locale.ROOT) + "\t"));

        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).isEqualTo(BOOKING);
    }

    @Test
    void aHeaderOfThatNameThatIsNoBookingIdIsNotLogged() {
        unitOfWork(exchange("forged\nline"));
        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).isNull();

        unitOfWork(exchange(BOOKING + "\nforged line"));
        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).isNull();
    }

    private Exchange exchange(String bookingId) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader("bookingId", bookingId);
        return exchange;
    }

    private BookingMdcUnitOfWork unitOfWork(Exchange exchange) {
        return new BookingMdcUnitOfWork(exchange, camel.getInflightRepository(), null, false, true,
                MDC.get(BookingMdcUnitOfWork.MDC_KEY));
    }
}
