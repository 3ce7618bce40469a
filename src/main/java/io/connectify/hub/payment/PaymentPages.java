package io.connectify.hub.payment;

import java.util.Map;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.resilience.Causes;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Closes the payment page of a booking that no longer waits for its payment (its hold ran out, it was cancelled
 * unpaid), so the customer cannot pay for a slot the hub has released. Best effort: a page that cannot be closed (the
 * provider down, the page paid at that moment) is logged; a payment made on it later is confirmed late by the saga if
 * the booking's hold ran out and its slot is still free, else refunded, as any payment that pays for nothing.
 */
@Component("paymentPages")
public class PaymentPages {

    private static final Logger log = LoggerFactory.getLogger(PaymentPages.class);

    private final ProducerTemplate template;

    public PaymentPages(ProducerTemplate template) {
        this.template = template;
    }

    /** Closes the booking's page; false when it has none to close or it could not be closed. */
    public boolean close(Booking booking) {
        if (booking.paid() || booking.provider() == null || booking.paymentReference() == null) {
            return false;
        }
        try {
            template.requestBodyAndHeaders("direct:payment-page-close", booking,
                    Map.of("paymentProvider", booking.provider()), PaymentPage.class);
            log.info("Booking {}: its {} payment page {} is closed", booking.id(), booking.provider(),
                    booking.paymentReference());
            return true;
        } catch (CamelExecutionException e) {
            // an expired booking's late payment is confirmed while its slot is free (BookingSaga.confirmPayment); a
            // cancelled one's, or one whose slot is taken, is refunded
            log.warn("Booking {}: its {} payment page {} could not be closed ({}); a payment made on it is confirmed "
                    + "late if the booking expired and its slot is still free, else refunded", booking.id(),
                    booking.provider(), booking.paymentReference(), Causes.hubErrorOr(e).getClass().getSimpleName());
            return false;
        }
    }
}
