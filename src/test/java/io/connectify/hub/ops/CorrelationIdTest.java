package io.connectify.hub.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.NotificationFakes.MAIL_SEND;
import static io.connectify.hub.support.NotificationFakes.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The caller's X-Correlation-Id (or a new one) is answered back and reaches every provider request the call
 * causes, through the queues too: the payment webhook's id is on the calendar insert, the SMS and the email.
 */
@HubTest
class CorrelationIdTest extends Webhooks {

    private static final String BOOKING = """
            {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"provider":"%s",
             "customer":{"name":"John Doe","email":"john@example.com","phone":"+41791234567"}}""";

    @Test
    void aBookingsIdReachesStripeAndIsAnswered() {
        var booked = post("/api/v1/bookings", BOOKING.formatted("stripe"), "book-7f3a", "forged-breadcrumb");
        assertThat(booked.status()).as(booked.body()).isEqualTo(201);
        assertThat(booked.header("X-Correlation-Id")).isEqualTo("book-7f3a");
        assertThat(ids(stripe.server(), postRequestedFor(urlPathEqualTo("/v1/checkout/sessions"))))
                .containsExactly("book-7f3a");
    }

    @Test
    void aPaymentWebhooksIdReachesTheCalendarTheSmsAndTheEmail() {
        google.stub(WireMock.post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                "bkevent", "Consultation", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))));
        String id = post("/api/v1/bookings", BOOKING.formatted("stripe"), null, null).json().get("id").asText();
        String payload = StripeFake.event("evt_corr_1", "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", "pi_corr_1"));
        var delivered = send(request("/webhooks/stripe").header("Content-Type", "application/json")
                .header("Stripe-Signature", StripeFake.signature(payload, clock.instant().getEpochSecond(),
                        StripeFake.WEBHOOK_SECRET))
                .header("X-Correlation-Id", "pay-91c2")
                .POST(HttpRequest.BodyPublishers.ofString(payload)), null);
        assertThat(delivered.status()).isEqualTo(200);
        assertThat(delivered.header("X-Correlation-Id")).isEqualTo("pay-91c2");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(ids(google.server(), postRequestedFor(urlPathEqualTo(GoogleCalendarFake.EVENTS)))).as("google")
                    .containsExactly("pay-91c2");
            assertThat(ids(notify.twilio(), postRequestedFor(urlPathEqualTo(MESSAGES)))).as("twilio").containsExactly("pay-91c2");
            assertThat(ids(notify.sendGrid(), postRequestedFor(urlPathEqualTo(MAIL_SEND)))).as("sendgrid").containsExactly("pay-91c2");
        });
    }

    @Test
    void theLogLinesOfABookingsPaymentCarryItsIdInTheMdc() {
        theSagasLinesOfAPaymentCarryTheBookingsId(id -> id);
    }

    /**
     * A payment naming its booking in capitals, blanks around it (Stripe's metadata as a caller wrote it), is that
     * booking's: its lines carry the id as the hub stores it. Before, only an id written in lower case was tagged, so
     * a search for the booking's id missed every line of such a payment.
     */
    @Test
    void theLogLinesOfAPaymentNamingItsBookingInCapitalsCarryTheIdAsStored() {
        theSagasLinesOfAPaymentCarryTheBookingsId(id -> " " + id.toUpperCase(Locale.ROOT) + " ");
    }

    /** A booking paid by a Checkout Session naming it as {@code named} writes it: the saga's lines carry its id. */
    private void theSagasLinesOfAPaymentCarryTheBookingsId(UnaryOperator<String> named) {
        google.stub(WireMock.post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                "bkevent", "Consultation", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))));
        String id = post("/api/v1/bookings", BOOKING.formatted("stripe"), null, null).json().get("id").asText();
        Logger saga = (Logger) LoggerFactory.getLogger(BookingSaga.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        saga.addAppender(lines);
        try {
            String payload = StripeFake.event("evt_mdc_1", "checkout.session.completed",
                    StripeFake.checkoutSession(named.apply(id), "paid", "pi_mdc_1"));
            assertThat(signedStripeWebhook(payload).status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(15)).until(() -> List.copyOf(lines.list).stream()
                    .anyMatch(line -> line.getFormattedMessage().equals("Booking " + id
                            + " confirmed (calendar event " + BookingSaga.eventIdFor(id) + ")")));
            assertThat(List.copyOf(lines.list)).isNotEmpty()
                    .allSatisfy(line -> assertThat(line.getMDCPropertyMap()).containsEntry("bookingId", id));
        } finally {
            saga.detachAppender(lines);
        }
    }

    @Test
    void payrexxGetsTheIdAsXCorrelationIdAndNoCamelHeader() {
        var booked = post("/api/v1/bookings", BOOKING.formatted("payrexx"), "px-1", null);
        assertThat(booked.status()).as(booked.body()).isEqualTo(201);
        List<LoggedRequest> sent = payrexx.server().findAll(postRequestedFor(urlPathEqualTo("/v1.0/Gateway/")));
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).getHeader("X-Correlation-Id")).isEqualTo("px-1");
        assertThat(sent.get(0).getAllHeaderKeys()).noneMatch(name -> name.equalsIgnoreCase("breadcrumbId"));
    }

    @Test
    void aRefusedRequestAnswersItsIdToo() {
        var refused = send(request("/api/v1/bookings").header("Content-Type", "application/json")
                .header("X-Correlation-Id", "no-key-1")
                .POST(HttpRequest.BodyPublishers.ofString(BOOKING.formatted("stripe"))), null);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("X-Correlation-Id")).isEqualTo("no-key-1");
    }

    @Test
    void anUnusableIdIsReplacedByANewOne() {
        var booked = post("/api/v1/bookings", BOOKING.formatted("stripe"), "not a token; " + "x".repeat(80), null);
        assertThat(booked.status()).as(booked.body()).isEqualTo(201);
        String answered = booked.header("X-Correlation-Id");
        assertThat(answered).matches("[0-9a-f-]{36}");
        assertThat(ids(stripe.server(), postRequestedFor(urlPathEqualTo("/v1/checkout/sessions"))))
                .containsExactly(answered);
    }

    private Response post(String path, String json, String correlationId, String breadcrumb) {
        var request = request(path).header("Content-Type", "application/json");
        if (correlationId != null) {
            request.header("X-Correlation-Id", correlationId);
        }
        if (breadcrumb != null) {
            request.header("breadcrumbId", breadcrumb);
        }
        return send(request.POST(HttpRequest.BodyPublishers.ofString(json)), API_KEY);
    }

    private static List<String> ids(WireMockServer server, RequestPatternBuilder pattern) {
        return server.findAll(pattern).stream().map(r -> r.getHeader("X-Correlation-Id")).toList();
    }
}
