package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Payrexx webhooks: path token, then only the transaction status the Payrexx API reports counts. */
@HubTest
class PayrexxWebhookTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";
    private static final String FORM = "application/x-www-form-urlencoded";

    @BeforeEach
    void calendarAccepts() {
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
    }

    @Test
    void bothDeliveriesOfAPaymentConfirmTheBookingOnce() {
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4711, "confirmed", id);

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4711, "waiting", id)).status()).isEqualTo(200);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4711, "confirmed", id)).status()).isEqualTo(200);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4711, "confirmed", id)).status()).isEqualTo(200);

        awaitStatus(id, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        // the repeated "confirmed" delivery was dropped before the queue: two API look-ups, not three
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> payrexx.server().verify(2,
                getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4711/"))));
    }

    @Test
    void aWebhookClaimingConfirmedConfirmsNothingWhenTheApiSaysOtherwise() {
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4712, "waiting", id);

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/json",
                "{\"transaction\":{\"id\":4712,\"status\":\"confirmed\",\"invoice\":{\"referenceId\":\"" + id + "\"}}}")
                .status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> payrexx.server().verify(1,
                getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4712/"))));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(status(id)).isEqualTo("PENDING_PAYMENT"));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    @Test
    void aDeclinedTransactionReleasesTheSlot() {
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4713, "declined", id);

        payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4713, "declined", id));

        awaitStatus(id, "PAYMENT_FAILED");
    }

    @Test
    void aWrongTokenIsNotFoundAndMalformedDeliveriesAreRefused() {
        var wrongToken = payrexxWebhook("guessed-token", FORM, form(1, "confirmed", "x"));
        assertThat(wrongToken.status()).isEqualTo(404);
        assertThat(wrongToken.json().get("type").asText()).isEqualTo("not-found");

        var noTransaction = payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/json", "{\"foo\":1}");
        assertThat(noTransaction.status()).isEqualTo(400);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/json", "{not json").status()).isEqualTo(400);
        payrexx.server().verify(0, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/1/")));
    }

    private static String form(long id, String status, String bookingId) {
        return "transaction%5Bid%5D=" + id + "&transaction%5Bstatus%5D=" + status
                + "&transaction%5Binvoice%5D%5BreferenceId%5D=" + bookingId;
    }
}
