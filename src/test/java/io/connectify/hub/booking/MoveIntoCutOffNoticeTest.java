package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;

/**
 * A confirmed booking moved from a start outside the refund cut-off to one within it: the move is made (the customer
 * asked for it), and its notice, SMS and email, tells the customer that a cancellation is no longer refunded. A move
 * that stays outside the cut-off tells the usual text. Before, both said only that the appointment was moved ("Your
 * payment carries over."), and a cancel right after was "cancelled after the refund cut-off: not refunded".
 */
@HubTest
class MoveIntoCutOffNoticeTest extends Webhooks {

    private static final String START = "2026-12-02T09:00:00+01:00";

    @Test
    void aMoveIntoTheRefundCutOffTellsTheCustomerACancellationIsNoLongerRefunded() {
        String id = confirmedStripeBooking(START); // a German-speaking customer
        clock.set(Instant.parse("2026-12-01T07:00:00Z")); // 26 hours before the start: outside the 24-hour cut-off
        String within = "2026-12-01T14:00:00+01:00"; // 6 hours ahead: within it

        assertMoved(id, within);

        String noRefund = "Da der neue Termin innerhalb der Rückerstattungsfrist liegt, wird eine Absage nicht mehr "
                + "erstattet.";
        awaitSms("verschoben", "Hallo John Doe, Ihr Termin wurde auf Dienstag, 1. Dezember 2026, 14:00 (60 Min.) "
                + "verschoben. " + noRefund + " Connectify");
        awaitEmail("verschoben", "Ihre Zahlung gilt weiter. " + noRefund + "</p>");

        // as told: a cancel now is not refunded, and its SMS says so too
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(EVENTS + "/"
                + BookingSaga.eventIdFor(id))).willReturn(noContent()));
        Response cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(BookingSaga.CANCELLED_LATE);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        awaitSms("abgesagt", "Hallo John Doe, Ihr Termin am Dienstag, 1. Dezember 2026, 14:00 wurde nach der "
                + "Rückerstattungsfrist abgesagt: Ihre Zahlung wird nicht erstattet. Connectify");
    }

    @Test
    void anEnglishCustomersMoveIntoTheRefundCutOffSaysSoInTheirLanguage() {
        String id = confirmedEnglishBooking(START);
        clock.set(Instant.parse("2026-12-01T07:00:00Z")); // 26 hours before the start

        assertMoved(id, "2026-12-01T14:00:00+01:00");

        String noRefund = "As the new time is within the refund cut-off, a cancellation is no longer refunded.";
        awaitSms("moved", "Hello Ann Lee, your appointment has been moved to Tuesday, December 1, 2026, 2:00 PM "
                + "(60 min). " + noRefund + " Connectify");
        awaitEmail("moved", "Your payment carries over. " + noRefund + "</p>");
    }

    @Test
    void aMoveThatStaysOutsideTheRefundCutOffTellsTheUsualText() {
        String id = confirmedEnglishBooking(START);
        clock.set(Instant.parse("2026-12-01T07:00:00Z")); // 26 hours before the start

        assertMoved(id, "2026-12-03T09:00:00+01:00"); // 50 hours ahead: outside the cut-off still

        awaitSms("moved", "Hello Ann Lee, your appointment has been moved to Thursday, December 3, 2026, 9:00 AM "
                + "(60 min). Connectify");
        awaitEmail("moved", "(60 minutes). Your payment carries over.</p>");
        assertThat(emails("moved")).singleElement().asString().doesNotContain("cut-off");
    }

    /** The booking moved to {@code start} by its reschedule: 200, the booking at its new start. */
    private void assertMoved(String id, String start) {
        String event = BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "x", start, start))));
        Response moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"" + start + "\"}");
        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        assertThat(moved.json().get("start").asText()).isEqualTo(start);
    }

    /** A booking of an English-speaking customer, paid through a signed Stripe webhook and confirmed. */
    private String confirmedEnglishBooking(String start) {
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkevent",
                "Consultation", start, start))));
        Response created = httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"provider":"stripe",
                 "customer":{"name":"Ann Lee","email":"ann@example.com","phone":"+41791234567","locale":"en"}}
                """.formatted(start));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertThat(signedStripeWebhook(StripeFake.event("evt_paid_" + id.substring(0, 8), "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", "pi_" + id.substring(0, 8)))).status()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        return id;
    }

    /** Until exactly one SMS containing {@code about} was sent to Twilio, and it is {@code text}. */
    private static void awaitSms(String about, String text) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(notify.twilio()
                .findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                .map(sent -> smsBody(sent.getBodyAsString())).filter(body -> body.contains(about)))
                .singleElement().isEqualTo(text));
    }

    /** The Body parameter of a Twilio Messages request's form. */
    private static String smsBody(String form) {
        for (String parameter : form.split("&")) {
            if (parameter.startsWith("Body=")) {
                return URLDecoder.decode(parameter.substring("Body=".length()), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    /** Until exactly one email containing {@code about} was sent to SendGrid, and it contains {@code text}. */
    private static void awaitEmail(String about, String text) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(emails(about)).singleElement()
                .asString().contains(text));
    }

    private static List<String> emails(String about) {
        return notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(sent -> sent.getBodyAsString()).filter(body -> body.contains(about)).toList();
    }
}
