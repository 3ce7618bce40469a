package io.connectify.hub.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.TimerRoutes;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Every line the hub logs about a booking carries its id in the MDC field {@code bookingId}: a cancel's and a
 * reschedule's (the booking named only by the path, {@code /bookings/{id}/...}), and a sweep's, which handles many
 * bookings in one exchange. Before, none of those lines carried it: only a payment event, a notification or a
 * booking's creation named the booking to the log.
 */
@HubTest
class BookingLogLinesTest extends Webhooks {

    @Autowired
    private CamelContext camel;
    @Autowired
    private ProducerTemplate template;

    @Test
    void theLinesOfACancelCarryTheBookingsId() {
        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        List<ILoggingEvent> lines;
        try (LogLines logged = LogLines.all()) {
            var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
            assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
            lines = logged.lines();
        }

        assertThat(linesAbout(id, lines)).extracting(ILoggingEvent::getFormattedMessage)
                .contains("Booking " + id + " cancelled: payment refunded");
        assertThat(linesAbout(id, lines))
                .allSatisfy(line -> assertThat(line.getMDCPropertyMap()).as(line.getFormattedMessage())
                        .containsEntry("bookingId", id));
    }

    /** Before, the line of a booking's creation was logged before its id was in the MDC. */
    @Test
    void theLineOfABookingsCreationCarriesItsId() {
        List<ILoggingEvent> lines;
        String id;
        try (LogLines logged = LogLines.all()) {
            id = pendingBooking("2026-12-08T09:00:00+01:00", "stripe");
            lines = logged.lines();
        }

        String createdId = id;
        assertThat(lines).filteredOn(line -> line.getFormattedMessage().startsWith("Booking " + createdId + " created"))
                .singleElement().satisfies(line -> assertThat(line.getMDCPropertyMap())
                        .containsEntry("bookingId", createdId));
    }

    @Test
    void theLinesOfARescheduleCarryTheBookingsId() {
        String id = confirmedStripeBooking("2026-12-02T10:00:00+01:00");
        google.stub(WireMock.patch(urlPathEqualTo(GoogleCalendarFake.EVENTS + "/" + BookingSaga.eventIdFor(id)))
                .willReturn(okJson("{}")));

        List<ILoggingEvent> lines;
        try (LogLines logged = LogLines.all()) {
            var moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T14:00:00+01:00\"}");
            assertThat(moved.status()).as(moved.body()).isEqualTo(200);
            lines = logged.lines();
        }

        assertThat(linesAbout(id, lines)).isNotEmpty()
                .allSatisfy(line -> assertThat(line.getMDCPropertyMap()).as(line.getFormattedMessage())
                        .containsEntry("bookingId", id));
    }

    /**
     * The refund retry sweep handles every booking whose refund is pending in one exchange: each one's lines name it,
     * and none is left in the MDC once the sweep is done (its thread's next lines are about no booking).
     */
    @Test
    void theLinesOfASweepNameEachBookingItHandles() {
        String first = cancelledWhileRefundsFail("2026-12-03T09:00:00+01:00");
        String second = cancelledWhileRefundsFail("2026-12-03T11:00:00+01:00");
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();

        List<ILoggingEvent> lines = new ArrayList<>();
        var run = LogLines.onThisThread(lines, () -> TimerRoutes.fire(camel, "booking-retry-refunds"));

        assertThat(run.getException()).isNull();
        assertThat(status(first)).isEqualTo("REFUNDED");
        assertThat(status(second)).isEqualTo("REFUNDED");
        for (String id : List.of(first, second)) {
            assertThat(linesAbout(id, lines)).as(id).isNotEmpty()
                    .allSatisfy(line -> assertThat(line.getMDCPropertyMap()).as(line.getFormattedMessage())
                            .containsEntry("bookingId", id));
        }
        assertThat(MDC.get("bookingId")).as("after the sweep").isNull();
    }

    /**
     * The Google Calendar re-check compares every upcoming confirmed booking with its event in one exchange: the lines
     * of a booking that follows its event moved in Google, and of one whose event was deleted there, name each, and
     * none is left in the MDC once the run is done.
     */
    @Test
    void theLinesOfTheCalendarRecheckNameEachBookingItHandles() {
        String moved = confirmedStripeBooking("2026-12-04T09:00:00+01:00");
        String deleted = confirmedStripeBooking("2026-12-04T11:00:00+01:00");
        String movedEvent = BookingSaga.eventIdFor(moved);
        String deletedEvent = BookingSaga.eventIdFor(deleted);
        // the calendar lists the first event an hour later, not the second, which Google has deleted
        google.stub(WireMock.get(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(okJson(
                GoogleCalendarFake.eventsJson(List.of(GoogleCalendarFake.eventJson(movedEvent, "Consultation",
                        "2026-12-04T10:00:00+01:00", "2026-12-04T11:00:00+01:00"))))));
        google.stub(WireMock.get(urlPathEqualTo(GoogleCalendarFake.EVENTS + "/" + deletedEvent))
                .willReturn(GoogleCalendarFake.error(410, "deleted")));

        List<ILoggingEvent> lines = new ArrayList<>();
        var run = LogLines.onThisThread(lines, () -> template.send("direct:gcal-recheck-bookings", exchange -> { }));

        assertThat(run.getException()).isNull();
        assertThat(httpGet("/api/v1/bookings/" + moved).json().get("start").asText())
                .isEqualTo("2026-12-04T10:00:00+01:00");
        assertThat(httpGet("/api/v1/bookings/" + deleted).json().path("statusReason").asText())
                .startsWith("calendar event deleted in Google Calendar");
        assertThat(linesAbout(moved, lines)).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(line -> line.startsWith("Booking " + moved + " follows its calendar event"));
        assertThat(linesAbout(deleted, lines)).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(line -> line.startsWith("Booking " + deleted + " (") && line.contains("needs a person"));
        for (String id : List.of(moved, deleted)) {
            assertThat(linesAbout(id, lines)).as(id).isNotEmpty()
                    .allSatisfy(line -> assertThat(line.getMDCPropertyMap()).as(line.getFormattedMessage())
                            .containsEntry("bookingId", id));
        }
        assertThat(MDC.get("bookingId")).as("after the re-check").isNull();
    }

    /**
     * A booking's notification is sent by a queue consumer: its sender's lines (SendGrid failing here, retried) carry
     * the booking's id, as its audit row does. Before, the queued message named no booking, and neither did they.
     */
    @Test
    void theLinesOfABookingsNotificationCarryTheBookingsId() {
        notify.sendGrid().stubFor(WireMock.post(urlPathEqualTo(NotificationFakes.MAIL_SEND))
                .willReturn(WireMock.aResponse().withStatus(500)));

        try (LogLines logged = LogLines.all()) {
            String id = confirmedStripeBooking("2026-12-07T09:00:00+01:00");

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(logged.lines())
                    .filteredOn(line -> line.getFormattedMessage().equals("SendGrid server error: HTTP 500"))
                    .anySatisfy(line -> assertThat(line.getMDCPropertyMap()).containsEntry("bookingId", id)));
        }
    }

    private String cancelledWhileRefundsFail(String start) {
        String id = confirmedStripeBooking(start);
        stripeRefundsFail();
        resilience.circuitBreaker("stripe").reset();
        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(502);
        return id;
    }

    /** The lines that name the booking in their message. */
    private static List<ILoggingEvent> linesAbout(String id, List<ILoggingEvent> lines) {
        return lines.stream().filter(line -> line.getFormattedMessage().contains(id)).toList();
    }
}
