package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;

/**
 * Every inbound webhook is a row in integration_audit, as every provider call is: its provider, its operation
 * ({@code webhook:} and its type), its outcome (processed, duplicate, dead-lettered, signature-rejected, or the reason of another refusal), the latency
 * from its receipt, and the booking and correlation id behind it, by which a booking's provider calls are picked out
 * too. Before, only the hub's own calls to the providers were audited.
 */
@HubTest
class WebhookAuditTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Test
    void aSignedStripeEventIsAuditedAsProcessedWithItsBookingAndCorrelationId() {
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                "bkevent", "Consultation", START, START))));
        String id = pendingBooking(START, "stripe");
        String payload = StripeFake.event("evt_audit_paid", "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", "pi_audit_paid"));

        assertThat(correlatedStripeWebhook(payload, "audit-paid-1").status()).isEqualTo(200);

        awaitStatus(id, "CONFIRMED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(rows(id, "webhook:%"))
                .containsExactly("stripe webhook:checkout.session.completed processed audit-paid-1"));
        assertThat(jdbc.sql("SELECT latency_ms FROM integration_audit WHERE booking_id = ? AND operation LIKE 'webhook:%'")
                .params(id).query(Long.class).single()).isNotNegative();
        // the calls the event caused are the booking's too, under the webhook's correlation id
        assertThat(rows(id, "gcal-insert-event")).containsExactly("google-calendar gcal-insert-event ok audit-paid-1");
    }

    /**
     * The SMS and the email of a booking's confirmation are the booking's rows too (README Operations > Audit: WHERE
     * booking_id = ... lists them). Before, their sender named no booking: both rows had booking_id NULL.
     */
    @Test
    void aBookingsSmsAndEmailAreAuditedWithItsBookingId() {
        String id = confirmedStripeBooking("2026-12-01T15:00:00+01:00");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.sql(
                        "SELECT provider, outcome FROM integration_audit WHERE booking_id = ? "
                        + "AND provider IN ('twilio', 'sendgrid') ORDER BY provider")
                .params(id).query((rs, i) -> rs.getString(1) + " " + rs.getString(2)).list())
                .containsExactly("sendgrid ok", "twilio ok"));
    }

    @Test
    void theSameStripeEventDeliveredAgainIsAuditedAsADuplicate() {
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                "bkevent", "Consultation", START, START))));
        String id = pendingBooking(START, "stripe");
        String payload = StripeFake.event("evt_audit_twice", "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", "pi_audit_twice"));
        assertThat(correlatedStripeWebhook(payload, "audit-twice-1").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> rows(id, "webhook:%").size() == 1);

        assertThat(correlatedStripeWebhook(payload, "audit-twice-2").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(rows(id, "webhook:%")).containsExactly(
                "stripe webhook:checkout.session.completed processed audit-twice-1",
                "stripe webhook:checkout.session.completed duplicate audit-twice-2"));
    }

    /**
     * A Twilio status callback is the booking's row, found by its SMS's SID, and an SMS Twilio could not deliver is
     * a WARN under the booking (MDC {@code bookingId}). Before, the row's booking_id was NULL and nothing was logged.
     */
    @Test
    void aTwilioStatusCallbackIsAuditedWithTheBookingOfItsSms() {
        String id = confirmedStripeBooking("2026-12-02T10:00:00+01:00");
        String sid = await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql("SELECT provider_reference FROM "
                        + "notification WHERE booking_id = :id AND channel = 'SMS' AND provider_reference IS NOT NULL")
                .param("id", id).query(String.class).list(), sids -> !sids.isEmpty()).get(0);

        try (LogLines logged = LogLines.all()) {
            assertThat(signedTwilioStatus(sid, "undelivered").status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(rows(id, "webhook:%"))
                    .filteredOn(row -> row.startsWith("twilio "))
                    .singleElement().asString().startsWith("twilio webhook:message.undelivered processed "));
            assertThat(logged.lines()).filteredOn(line -> line.getFormattedMessage()
                            .startsWith("SMS " + sid + " undelivered at Twilio")).hasSize(1)
                    .allSatisfy(line -> assertThat(line.getMDCPropertyMap()).containsEntry("bookingId", id));
        }
    }

    @Test
    void aStripeWebhookWithABadSignatureIsAuditedAsSignatureRejected() {
        String payload = StripeFake.event("evt_audit_forged", "checkout.session.completed",
                StripeFake.checkoutSession("b3f7a2f0-0000-4000-8000-000000000001", "paid", "pi_audit_forged"));
        var refused = send(request("/webhooks/stripe").header("Content-Type", "application/json")
                .header("Stripe-Signature", StripeFake.signature(payload, clock.instant().getEpochSecond(),
                        "whsec_not_the_hubs"))
                .header("X-Correlation-Id", "audit-forged-1")
                .POST(HttpRequest.BodyPublishers.ofString(payload)), null);

        assertThat(refused.status()).isEqualTo(400);
        // the event's type is not trusted: the row names none, nor a booking (written with the next batch)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(jdbc.sql(
                        "SELECT provider, operation, outcome, booking_id FROM integration_audit "
                        + "WHERE correlation_id = 'audit-forged-1'")
                .query((rs, i) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                        + rs.getString(4)).list())
                .containsExactly("stripe webhook signature-rejected null"));
    }

    /** Payrexx signs nothing: a wrong token in its URL is its refused signature. */
    @Test
    void aPayrexxWebhookWithAWrongTokenIsAuditedAsSignatureRejected() {
        var refused = send(request("/webhooks/payrexx/not-the-token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Correlation-Id", "audit-token-1")
                .POST(HttpRequest.BodyPublishers.ofString("transaction%5Bid%5D=4711&transaction%5Bstatus%5D=confirmed")),
                null);

        assertThat(refused.status()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(jdbc.sql(
                        "SELECT provider, operation, outcome FROM integration_audit "
                        + "WHERE correlation_id = 'audit-token-1'")
                .query((rs, i) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3)).list())
                .containsExactly("payrexx webhook signature-rejected"));
    }

    /**
     * A Google Calendar notification while push is off is refused (404, as a path with nothing behind it) and audited
     * as the other refusals are, its outcome the reason. Before, only a wrong channel token was audited.
     */
    @Test
    void aGoogleCalendarNotificationWhilePushIsOffIsAuditedAsPushOff() {
        var refused = send(request("/webhooks/google-calendar")
                .header("X-Goog-Channel-ID", "0b6c2f4e-1d7a-4c3e-9f5b-7a8d9e0f1a2b")
                .header("X-Goog-Channel-Token", "some-channel-token-0123456789")
                .header("X-Goog-Resource-State", "exists")
                .header("X-Correlation-Id", "audit-push-off-1")
                .POST(HttpRequest.BodyPublishers.noBody()), null);

        assertThat(refused.status()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(jdbc.sql(
                        "SELECT provider, operation, outcome, booking_id FROM integration_audit "
                        + "WHERE correlation_id = 'audit-push-off-1'")
                .query((rs, i) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                        + rs.getString(4)).list())
                .containsExactly("google-calendar webhook push-off null"));
    }

    @Test
    void aStripeEventWhoseProcessingFailsIsAuditedAsDeadLettered() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");

        paidWhileGoogleFails(id, "evt_audit_dead", "pi_audit_dead");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(rows(id, "webhook:%"))
                .singleElement().asString().startsWith("stripe webhook:checkout.session.completed dead-lettered"));
    }

    private Response correlatedStripeWebhook(String payload, String correlationId) {
        return send(request("/webhooks/stripe").header("Content-Type", "application/json")
                .header("Stripe-Signature", StripeFake.signature(payload, clock.instant().getEpochSecond(),
                        StripeFake.WEBHOOK_SECRET))
                .header("X-Correlation-Id", correlationId)
                .POST(HttpRequest.BodyPublishers.ofString(payload)), null);
    }

    /** The booking's audit rows whose operation is like {@code operation}: provider, operation, outcome, correlation. */
    private List<String> rows(String bookingId, String operation) {
        return jdbc.sql("SELECT provider, operation, outcome, correlation_id FROM integration_audit "
                        + "WHERE booking_id = ? AND operation LIKE ? ORDER BY id")
                .params(bookingId, operation)
                .query((rs, i) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                        + rs.getString(4)).list();
    }
}
