package io.connectify.hub.payment.payrexx;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.payment.payrexx.PayrexxCommands.RefundCommand;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.CamelExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Payrexx takes its POSTs without an idempotency key: one whose answer is lost (a 5xx, an answer held past the read
 * timeout) is not sent again blindly: a refund is sent again only when the transaction shows no refund made. A
 * payment page is made again (the one a lost answer made is given to no one).
 */
@HubTest
class PayrexxLostAnswerTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";
    private static final String GATEWAY = "/v1.0/Gateway/";

    @BeforeEach
    void calendarAccepts() {
        calendarAcceptsEvents(START);
    }

    /**
     * A payment page's create whose answer is lost is sent again, and the caller given the page answered: a page the
     * lost attempt made is given to no one and closes by itself, while not retrying failed the call for a passing 5xx.
     */
    @Test
    void aPaymentPageWhoseAnswerIsLostIsAskedAgainAndTheCallerGivenThePageAnswered() {
        firstGatewayAnswer(aResponse().withStatus(504));

        var response = httpPost("/api/v1/payments/payrexx/gateways",
                "{\"amount\":9000,\"currency\":\"CHF\",\"purpose\":\"Consultation\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("reference").asText()).isEqualTo("77");
        payrexx.server().verify(2, postRequestedFor(urlPathEqualTo(GATEWAY)));
    }

    @Test
    void aBookingWhosePaymentPageAnswerIsLostGetsThePageAnsweredOnItsRetry() {
        firstGatewayAnswer(okJson("{\"status\":\"success\",\"data\":[{\"id\":76,\"link\":\"https://x/?p=76\"}]}")
                .withFixedDelay(1500)); // the test profile's read timeout is 1 s

        var booked = httpPost("/api/v1/bookings", booking());

        assertThat(booked.status()).as(booked.body()).isEqualTo(201);
        assertThat(booked.json().get("paymentUrl").asText()).contains("payment=abc"); // page 77, the retry's
        payrexx.server().verify(2, postRequestedFor(urlPathEqualTo(GATEWAY)));
    }

    /**
     * A cancel's full refund whose answer is lost (504) though Payrexx made it: the retry reads the transaction,
     * refunded, and takes the refund as made. Before, it was asked again (and again): the booking's refund left pending.
     */
    @Test
    void aFullRefundWhoseAnswerIsLostButMadeIsNotAskedAgainAndTheBookingIsRefunded() {
        String id = confirmedBooking(4901);
        refundMadeButAnswered(4901, id, 504);

        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
        assertThat(cancel.json().get("statusReason").asText()).isEqualTo("cancelled and refunded");
        assertThat(status(id)).isEqualTo("REFUNDED");
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4901/refund")));
    }

    /** A refund whose answer is lost and which Payrexx shows not made (still confirmed) is asked again, once. */
    @Test
    void aPartialRefundWhoseAnswerIsLostAndNotMadeIsAskedAgain() {
        payrexx.transaction(4902, "confirmed", "b-4902");
        firstRefundAnswer(4902, aResponse().withStatus(500));

        producer().requestBody(PayrexxRoutes.REFUND, new RefundCommand(4902, 3000L));

        payrexx.server().verify(2, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4902/refund")));
    }

    /**
     * A partial refund whose answer is lost, the transaction partially refunded: an earlier partial refund shows the
     * same, so the hub cannot tell and refunds nothing more. Before, it refunded a second time.
     */
    @Test
    void aPartialRefundWhoseAnswerIsLostIsNotAskedAgainWhenPayrexxCannotTellWhetherItWasMade() {
        payrexx.transaction(4903, "partially-refunded", "b-4903");
        firstRefundAnswer(4903, aResponse().withStatus(503));

        assertThatThrownBy(() -> producer().requestBody(PayrexxRoutes.REFUND, new RefundCommand(4903, 3000L)))
                .isInstanceOf(CamelExecutionException.class)
                .cause().isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProviderException.Kind.UNDECIDED));
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4903/refund")));
    }

    private org.apache.camel.ProducerTemplate producer() {
        return hubContext.createProducerTemplate();
    }

    private static String booking() {
        return """
                {"start":"%s","durationMinutes":60,"provider":"payrexx",
                 "customer":{"name":"John Doe","email":"john@example.com","phone":"+41791234567","locale":"de"}}
                """.formatted(START);
    }

    /** Payrexx's first POST Gateway/ is answered so; the later ones as usual (page 77). */
    private void firstGatewayAnswer(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        payrexx.server().stubFor(post(urlPathEqualTo(GATEWAY)).inScenario("gateway").whenScenarioStateIs(STARTED)
                .willSetStateTo("answered").willReturn(answer));
        payrexx.server().stubFor(post(urlPathEqualTo(GATEWAY)).inScenario("gateway").whenScenarioStateIs("answered")
                .willReturn(okJson("""
                        {"status":"success","data":[{"id":77,"status":"waiting","hash":"abc",
                         "link":"https://connectify-test.payrexx.com/?payment=abc","amount":9000,"currency":"CHF"}]}""")));
    }

    /** The transaction's first refund is answered so; the later ones made. */
    private void firstRefundAnswer(long transaction, com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        String path = "/v1.0/Transaction/" + transaction + "/refund";
        payrexx.server().stubFor(post(urlPathEqualTo(path)).inScenario("refund").whenScenarioStateIs(STARTED)
                .willSetStateTo("answered").willReturn(answer));
        payrexx.server().stubFor(post(urlPathEqualTo(path)).inScenario("refund").whenScenarioStateIs("answered")
                .willReturn(okJson("{\"status\":\"success\",\"data\":[{\"id\":" + transaction + "}]}")));
    }

    /** Payrexx makes every refund of the transaction (then shows it refunded) but answers it {@code status}. */
    private void refundMadeButAnswered(long transaction, String bookingId, int status) {
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/" + transaction + "/refund"))
                .inScenario("refund-made").willSetStateTo("refunded").willReturn(aResponse().withStatus(status)));
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/" + transaction + "/"))
                .inScenario("refund-made").whenScenarioStateIs("refunded").willReturn(okJson(transactionJson(
                        transaction, "refunded", bookingId))));
    }

    private String confirmedBooking(long transaction) {
        String id = pendingBooking(START, "payrexx");
        payrexxDelivered(transaction, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
        google.stub(delete(urlPathEqualTo(GoogleCalendarFake.EVENTS + "/" + BookingSaga.eventIdFor(id)))
                .willReturn(noContent()));
        return id;
    }

    private static String transactionJson(long id, String status, String bookingId) {
        return """
                {"status":"success","data":[{"id":%d,"uuid":"u-%d","status":"%s","referenceId":"%s","amount":9000,
                 "invoice":{"currencyAlpha3":"CHF","totalAmount":9000,"referenceId":"%s"}}]}"""
                .formatted(id, id, status, bookingId, bookingId);
    }
}
