package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Predicate;

import io.connectify.hub.support.CountingClock;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.TestClockConfig;
import io.connectify.hub.support.Webhooks;
import io.connectify.hub.webhook.WebhookHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Each reading of the bookings' clock is a statement in the hub (DatabaseClock): a unit of work reads it once, and
 * again only after a slow provider call whose wait may have moved the time it judges (FreeBusy before the lead time's
 * check; the calendar event's insert before the begun check), never twice with nothing slow in between. The routes
 * behind the REST operations and the queue consumers are run on the test's thread, where the clock counts.
 */
@HubTest
class BookingClockReadingsTest extends Webhooks {

    private static final String START = "2026-12-04T09:00:00+01:00";

    @Autowired
    ProducerTemplate camel;
    @Autowired
    @Qualifier(TestClockConfig.BOOKING_READINGS)
    CountingClock bookingClock;

    /**
     * A reservation (POST /api/v1/bookings): one reading before FreeBusy (an unbookable slot is refused without asking
     * Google) and one after it (the lead time judged again, the hold counted from it, the payment page recorded with
     * it). Before, four: the held check and the payment page's record read it again.
     */
    @Test
    void aReservationReadsTheBookingsClockOnceBeforeAndOnceAfterFreeBusy() {
        pendingBooking("2026-12-04T14:00:00+01:00", "stripe"); // the context's first booking warms its path up
        String[] id = {null};

        int readings = bookingClock.readingsOnThreadsDuring(HTTP_SERVER, () -> id[0] = pendingBooking(START, "stripe"));

        assertThat(httpGet("/api/v1/bookings/" + id[0]).json().path("paymentUrl").asText()).isNotEmpty();
        assertThat(readings).as("readings of the bookings' clock in one reservation").isBetween(1, 2);
    }

    /**
     * A Stripe payment confirming its booking (the saga's step behind the stripe-events queue): one reading for its
     * checks, one in the slot lock's transaction that records it (the hold judged there, and whether the appointment
     * has begun, no provider asked since), one after the calendar event's insert, which the confirmation is dated by.
     * Before, five: the lock's check and its record each read it, and the begun check read it again after the lock.
     */
    @Test
    void aPaymentConfirmingItsBookingReadsTheBookingsClockOncePerSlowCall() {
        String id = pendingBooking(START, "stripe");
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                BookingSaga.eventIdFor(id), "Consultation", START, START))));
        Exchange[] handled = {null};

        int readings = bookingClock.readingsDuring(() -> handled[0] = camel.request("direct:booking-confirm-payment",
                e -> e.getMessage().setHeaders(Map.of(WebhookHeaders.BOOKING_ID, id, WebhookHeaders.PROVIDER, "stripe",
                        WebhookHeaders.PAYMENT_REFERENCE, "pi_readings", WebhookHeaders.PAID_AMOUNT, 9000L,
                        WebhookHeaders.PAID_CURRENCY, "CHF"))));

        assertThat(handled[0].getException()).isNull();
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(readings).as("readings of the bookings' clock in one payment event").isLessThanOrEqualTo(3);
    }

    /**
     * A cancel of a confirmed booking (its event deleted, its payment refunded): one reading for the cancel's decision
     * (begun? within the cut-off?), one in the booking lock's transaction which the refund is recorded in, after the
     * refund's call. As before: a guard.
     */
    @Test
    void aCancelReadsTheBookingsClockOncePerTransaction() {
        String id = confirmedStripeBooking(START);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(EVENTS + "/"
                + BookingSaga.eventIdFor(id))).willReturn(noContent()));
        Response[] answered = {null};

        int readings = bookingClock.readingsOnThreadsDuring(HTTP_SERVER,
                () -> answered[0] = httpPost("/api/v1/bookings/" + id + "/cancel", ""));

        assertThat(answered[0].status()).as(answered[0].body()).isEqualTo(200);
        assertThat(answered[0].json().get("status").asText()).isEqualTo("REFUNDED");
        assertThat(readings).as("readings of the bookings' clock in one cancel").isBetween(1, 2);
    }

    /** The threads the REST API's requests run on (platform-http on Spring Boot's Tomcat). */
    private static final Predicate<Thread> HTTP_SERVER = thread -> thread.getName().startsWith("http-nio-");
}
