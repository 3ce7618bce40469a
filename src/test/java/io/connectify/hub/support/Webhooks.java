package io.connectify.hub.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.webhook.WebhookHeaders;
import org.apache.camel.builder.NotifyBuilder;

/** Booking and webhook steps the payment tests share. */
public abstract class Webhooks extends HubTestBase {

    protected Response stripeWebhook(String payload, String signature) {
        var request = request("/webhooks/stripe").header("Content-Type", "application/json");
        if (signature != null) {
            request.header("Stripe-Signature", signature);
        }
        return send(request.POST(HttpRequest.BodyPublishers.ofString(payload)), null);
    }

    protected Response signedStripeWebhook(String payload) {
        return stripeWebhook(payload, StripeFake.signature(payload, clock.instant().getEpochSecond(),
                StripeFake.WEBHOOK_SECRET));
    }

    protected Response payrexxWebhook(String token, String contentType, String body) {
        return send(request("/webhooks/payrexx/" + token).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)), null);
    }

    /** The parameters of Twilio's status callback of message {@code sid} (a map to add to: ErrorCode, say). */
    protected static Map<String, String> twilioStatus(String sid, String status) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("MessageSid", sid);
        params.put("SmsSid", sid);
        params.put("MessageStatus", status);
        params.put("AccountSid", NotificationFakes.ACCOUNT_SID);
        params.put("To", "+41791234567");
        params.put("ApiVersion", "2010-04-01");
        return params;
    }

    /** Twilio's status callback of message {@code sid}, signed as Twilio signs it (its status-callback URL). */
    protected Response signedTwilioStatus(String sid, String status) {
        Map<String, String> params = twilioStatus(sid, status);
        String body = params.entrySet().stream().map(e -> e.getKey() + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        return send(request("/webhooks/twilio/status").header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", NotificationFakes.signature(NotificationFakes.PUBLIC_BASE_URL
                        + "/webhooks/twilio/status", params))
                .POST(HttpRequest.BodyPublishers.ofString(body)), null);
    }

    /** Google accepts the confirmations' event inserts (one event, starting and ending at {@code start}). */
    protected void calendarAcceptsEvents(String start) {
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS))
                .willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", start, start))));
    }

    /** Payrexx's API shows the transaction with {@code status}, its webhook reports it, and the hub has handled it. */
    protected void payrexxDelivered(long transaction, String status, String bookingId) {
        payrexx.transaction(transaction, status, bookingId);
        String eventKey = "payrexx:" + transaction + ":" + status;
        NotifyBuilder handled = new NotifyBuilder(hubContext).fromRoute("payrexx-event-dispatch")
                .filter(exchange -> eventKey.equals(exchange.getMessage().getHeader(WebhookHeaders.EVENT_KEY)))
                .whenCompleted(1).create();
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/x-www-form-urlencoded",
                "transaction%5Bid%5D=" + transaction + "&transaction%5Bstatus%5D=" + status
                        + "&transaction%5Binvoice%5D%5BreferenceId%5D=" + bookingId).status()).isEqualTo(200);
        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
    }

    protected String pendingBooking(String start, String provider) {
        var response = httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"provider":"%s",
                 "customer":{"name":"John Doe","email":"john@example.com","phone":"+41791234567","locale":"de"}}
                """.formatted(start, provider));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asText();
    }

    /** A booking paid through a signed Stripe webhook, confirmed with its calendar event. */
    protected String confirmedStripeBooking(String start) {
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                "bkevent", "Consultation", start, start))));
        String id = pendingBooking(start, "stripe");
        assertThat(signedStripeWebhook(StripeFake.event("evt_paid_" + id.substring(0, 8), "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", "pi_" + id.substring(0, 8)))).status()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        return id;
    }

    /** The one dead letter of a provider's queue, once it is stored. */
    protected JsonNode awaitDeadLetter(String provider) {
        return await().atMost(Duration.ofSeconds(15)).until(() -> {
            JsonNode list = httpGet("/api/v1/admin/dead-letters?provider=" + provider, ADMIN_KEY).json().get("deadLetters");
            return list.size() == 1 ? list.get(0) : null;
        }, java.util.Objects::nonNull);
    }

    protected void awaitStatus(String bookingId, String status) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(httpGet("/api/v1/bookings/" + bookingId).json().get("status").asText()).isEqualTo(status));
    }

    protected String status(String bookingId) {
        return httpGet("/api/v1/bookings/" + bookingId).json().get("status").asText();
    }

    /**
     * The booking paid by a Stripe Checkout Session while Google refuses its event: the payment recorded, the event a
     * dead letter.
     */
    protected JsonNode paidWhileGoogleFails(String id, String eventId, String paymentIntent) {
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(GoogleCalendarFake.error(500,
                "backendError")));
        assertThat(signedStripeWebhook(StripeFake.event(eventId, "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", paymentIntent))).status()).isEqualTo(200);
        JsonNode letter = awaitDeadLetter("stripe");
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        google.reset();
        resilience.circuitBreaker("google-calendar").reset();
        return letter;
    }

    /** The booking paid by a confirmed Payrexx transaction while Google refuses its event: the event a dead letter. */
    protected void paidByPayrexxWhileGoogleFails(String id, long transaction) {
        payrexx.transaction(transaction, "confirmed", id);
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(GoogleCalendarFake.error(500,
                "backendError")));
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/x-www-form-urlencoded",
                "transaction%5Bid%5D=" + transaction + "&transaction%5Bstatus%5D=confirmed"
                        + "&transaction%5Binvoice%5D%5BreferenceId%5D=" + id).status()).isEqualTo(200);
        awaitDeadLetter("payrexx");
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        google.reset();
        resilience.circuitBreaker("google-calendar").reset();
    }

    /** Stripe answers every refund with a server error. */
    protected void stripeRefundsFail() {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/refunds")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"An unknown error occurred\"}}")));
    }
}
