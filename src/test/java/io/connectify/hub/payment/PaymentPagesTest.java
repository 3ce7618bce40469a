package io.connectify.hub.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Instant;
import java.time.OffsetDateTime;

import ch.qos.logback.classic.Level;
import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.booking.Customer;
import io.connectify.hub.support.LogLines;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;

/**
 * A payment page that could not be closed is logged with what becomes of a payment made on it: a booking whose hold
 * ran out is confirmed late if its slot is still free (BookingSaga), else the payment is refunded. Before, the warning
 * said every such payment was refunded.
 */
class PaymentPagesTest {

    @Test
    void aPageThatCouldNotBeClosedIsLoggedWithALatePaymentConfirmedIfItsSlotIsStillFreeElseRefunded() {
        ProducerTemplate template = mock(ProducerTemplate.class);
        when(template.requestBodyAndHeaders(anyString(), any(), anyMap(), eq(PaymentPage.class)))
                .thenThrow(new CamelExecutionException("Stripe down (test)", null));
        OffsetDateTime start = OffsetDateTime.parse("2026-12-01T09:00:00+01:00");
        Booking expired = new Booking("bk-page-open", BookingStatus.EXPIRED, start, start.plusHours(1), 60, 9000,
                "CHF", new Customer("Ann", "ann@example.com", null, "de", null), "x", null, "stripe", null, null,
                Instant.parse("2026-11-30T07:15:00Z"), Instant.parse("2026-11-30T07:00:00Z"), "cs_page_open", null,
                null);

        try (LogLines lines = LogLines.of(PaymentPages.class)) {
            assertThat(new PaymentPages(template).close(expired)).isFalse();

            assertThat(lines.lines()).singleElement().satisfies(line -> {
                assertThat(line.getLevel()).isEqualTo(Level.WARN);
                assertThat(line.getFormattedMessage()).isEqualTo("Booking bk-page-open: its stripe payment page "
                        + "cs_page_open could not be closed (CamelExecutionException); a payment made on it is "
                        + "confirmed late if the booking expired and its slot is still free, else refunded");
            });
        }
    }
}
