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

    /**
     * Each step of an exchange puts the booking back after the step before cleared it, in its stored form; a step that
     * names another booking (or none a booking id can be read from) is logged by what it names now, never by the id
     * read before. (The stored form is now read once per id an exchange names, not at every step.)
     */
    @Test
    void everyStepIsLoggedByTheBookingTheExchangeNamesThen() {
        Exchange exchange = exchange(BOOKING.toUpperCase(Locale.ROOT));
        BookingMdcUnitOfWork unitOfWork = unitOfWork(exchange);
        String other = "0b5a3c4e-1d2f-4a6b-8c7d-9e0f1a2b3c4d";

        for (int step = 0; step < 3; step++) {
            unitOfWork.clear(); // the step before ended
            unitOfWork.prepareMDC(exchange);
            assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).as("step %d", step).isEqualTo(BOOKING);
        }
        exchange.getMessage().setHeader("bookingId", other.toUpperCase(Locale.ROOT));
        unitOfWork.clear();
        unitOfWork.prepareMDC(exchange);
        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).isEqualTo(other);

        exchange.getMessage().setHeader("bookingId", "forged\nline");
        unitOfWork.clear();
        unitOfWork.prepareMDC(exchange);
        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).isNull();

        exchange.getMessage().setHeader("bookingId", BOOKING.toUpperCase(Locale.ROOT));
        unitOfWork.clear();
        unitOfWork.prepareMDC(exchange);
        assertThat(MDC.get(BookingMdcUnitOfWork.MDC_KEY)).isEqualTo(BOOKING);
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
