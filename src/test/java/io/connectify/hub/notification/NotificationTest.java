package io.connectify.hub.notification;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.NotificationFakes.MAIL_SEND;
import static io.connectify.hub.support.NotificationFakes.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.ops.BrokerQueueDepth;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.OpenApiRequestValidator;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.TwilioMessageStore;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jms.core.JmsTemplate;

/** SMS through Twilio, email through SendGrid: what the providers receive, their errors, and delivery status. */
@HubTest
class NotificationTest extends Webhooks {

    private static final String CALLBACK = NotificationFakes.PUBLIC_BASE_URL + "/webhooks/twilio/status";

    /** The route that records the queued status callbacks. */
    private static final String RECORDER = "twilio-status-record";

    @Autowired
    MeterRegistry meters;
    @Autowired
    CamelContext camel;
    @Autowired
    BrokerQueueDepth queueDepth;
    @Autowired
    NotificationLog notificationLog;
    @Autowired
    NotificationDelivery delivery;
    @Autowired
    NotificationProperties notificationProperties;
    @Autowired
    jakarta.jms.ConnectionFactory connectionFactory;

    @AfterEach
    void everyRequestMatchesTheProvidersApiDescription() {
        OpenApiRequestValidator.assertValid(notify.twilio(), OpenApiRequestValidator.TWILIO, "/2010-04-01/.*");
        OpenApiRequestValidator.assertValid(notify.sendGrid(), OpenApiRequestValidator.SENDGRID, "/v3/.*");
    }

    @Test
    void anSmsGoesToTwilioFormEncodedWithItsStatusCallback() {
        var response = httpPost("/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"Hello from the hub\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("channel").asText()).isEqualTo("SMS");
        assertThat(response.json().get("providerReference").asText()).isEqualTo("SM" + "a".repeat(32));
        var sent = notify.twilio().findAll(postRequestedFor(urlPathEqualTo(MESSAGES)).withHeader("Authorization",
                equalTo("Basic " + Base64.getEncoder().encodeToString((NotificationFakes.API_KEY_SID + ":"
                        + NotificationFakes.API_KEY_SECRET).getBytes(StandardCharsets.UTF_8)))));
        assertThat(sent).hasSize(1);
        assertThat(form(sent.get(0).getBodyAsString())).containsEntry("To", "+41791234567")
                .containsEntry("From", NotificationFakes.FROM).containsEntry("Body", "Hello from the hub")
                .containsEntry("StatusCallback", CALLBACK);
    }

    @Test
    void anEmailGoesToSendGridAsHtmlOrPlainText() {
        var html = httpPost("/api/v1/notifications/email", """
                {"to":"john@example.com","subject":"Hi","body":"<p>Hello</p>","isHtml":true}""");
        httpPost("/api/v1/notifications/email", """
                {"to":"jane@example.com","subject":"Plain","body":"Hello"}""");

        assertThat(html.status()).isEqualTo(201);
        assertThat(html.json().get("providerReference").asText()).isEqualTo("sg-message-1");
        notify.sendGrid().verify(postRequestedFor(urlPathEqualTo(MAIL_SEND))
                .withHeader("Authorization", equalTo("Bearer " + NotificationFakes.SENDGRID_KEY))
                .withRequestBody(equalToJson("""
                        {"personalizations":[{"to":[{"email":"john@example.com"}]}],
                         "from":{"email":"bookings@connectify-hub.ch","name":"Connectify"},"subject":"Hi",
                         "content":[{"type":"text/html","value":"<p>Hello</p>"}]}""")));
        notify.sendGrid().verify(postRequestedFor(urlPathEqualTo(MAIL_SEND)).withRequestBody(equalToJson("""
                {"personalizations":[{"to":[{"email":"jane@example.com"}]}],
                 "from":{"email":"bookings@connectify-hub.ch","name":"Connectify"},"subject":"Plain",
                 "content":[{"type":"text/plain","value":"Hello"}]}""")));
    }

    /** Before, a@localhost (Hibernate's @Email takes it) went to SendGrid, which refused it or no one received it. */
    @Test
    void anEmailAddressWhoseDomainHasNoDotIsRefusedBeforeSendGrid() {
        var response = httpPost("/api/v1/notifications/email", """
                {"to":"jane@localhost","subject":"Hi","body":"Hello"}""");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.json().get("detail").asText()).contains("'to'").contains("dot");
        notify.sendGrid().verify(0, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
    }

    /**
     * An address whose domain is not ASCII goes to SendGrid with the domain as punycode, SendGrid's email fields being
     * ASCII; one whose local part is not ASCII (it needs SMTPUTF8) is refused. Before, both went to SendGrid as given.
     */
    @Test
    void anInternationalDomainGoesToSendGridAsPunycodeAndAnAccentedLocalPartIsRefused() {
        var idn = httpPost("/api/v1/notifications/email", """
                {"to":"hans@bücher.ch","subject":"Hi","body":"Hello"}""");
        var accented = httpPost("/api/v1/notifications/email", """
                {"to":"hüns@x.ch","subject":"Hi","body":"Hello"}""");

        assertThat(idn.status()).isEqualTo(201);
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)).withRequestBody(equalToJson("""
                {"personalizations":[{"to":[{"email":"hans@xn--bcher-kva.ch"}]}]}""", true, true)));
        assertThat(accented.status()).isEqualTo(400);
        assertThat(accented.json().get("type").asText()).isEqualTo("validation");
        assertThat(accented.json().get("detail").asText()).contains("'to'").contains("no accented letters");
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
    }

    /** A customer booking with an international domain gets the confirmation at its punycode; stored as given. */
    @Test
    void aCustomersInternationalDomainGetsItsConfirmationAsPunycode() {
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                "bkevent", "Consultation", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))));
        var booked = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"provider":"stripe",
                 "customer":{"name":"Hans Müller","email":"hans@bücher.ch","locale":"de"}}""");
        assertThat(booked.status()).as(booked.body()).isEqualTo(201);
        String id = booked.json().get("id").asText();

        assertThat(signedStripeWebhook(StripeFake.event("evt_idn", "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", "pi_idn"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> notify.sendGrid().verify(1,
                postRequestedFor(urlPathEqualTo(MAIL_SEND)).withRequestBody(equalToJson("""
                        {"personalizations":[{"to":[{"email":"hans@xn--bcher-kva.ch"}]}]}""", true, true))));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("customer").get("email").asText())
                .isEqualTo("hans@bücher.ch");
    }

    /**
     * A booking given no summary is told in its customer's language in the email ("Beratung mit John Doe"), while the
     * booking keeps and answers the stored English one. Before, a German email read "Ihr Termin <strong>Consultation
     * with John Doe</strong> am ...".
     */
    @Test
    void aBookingWithoutASummaryOfItsOwnIsToldInTheCustomersLanguage() {
        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(notify.sendGrid().findAll(
                postRequestedFor(urlPathEqualTo(MAIL_SEND)))).hasSize(1));
        String mail = notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(MAIL_SEND))).get(0).getBodyAsString();
        assertThat(mail).contains("Ihr Termin <strong>Beratung mit John Doe</strong> am").doesNotContain("Consultation");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("summary").asText())
                .isEqualTo("Consultation with John Doe");
    }

    @Test
    void aNumberThatIsNotE164IsRefusedBeforeTwilio() {
        var response = httpPost("/api/v1/notifications/sms", "{\"to\":\"0791234567\",\"body\":\"x\"}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        notify.twilio().verify(0, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    @ParameterizedTest(name = "Twilio {0}/{1} -> {2}")
    @CsvSource({
            "21211, 400, 422, invalid-recipient, 1",
            "21610, 400, 422, invalid-recipient, 1",
            "21606, 400, 502, provider-error, 1",
            "21408, 400, 502, provider-error, 1",
            "20429, 429, 429, rate-limited, 3",
            "20003, 401, 502, provider-error, 1",
            "20500, 500, 502, provider-error, 3"})
    void twilioErrorsBecomeProblemsAndOnlyRetryableOnesAreRetried(int code, int status, int expected, String type,
                                                                 int calls) {
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.twilioError(code, status))));

        var response = httpPost("/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"x\"}");

        assertThat(response.status()).isEqualTo(expected);
        assertThat(response.json().get("type").asText()).isEqualTo(type);
        assertThat(response.body()).doesNotContain(NotificationFakes.API_KEY_SECRET).doesNotContain(NotificationFakes.ACCOUNT_SID);
        notify.twilio().verify(calls, postRequestedFor(urlPathEqualTo(MESSAGES)));
        // Twilio answered: nothing was taken, so the retries look nothing up
        notify.twilio().verify(0, getRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    /**
     * Twilio takes the SMS and never answers (each attempt runs into the 1 s read timeout of the test profile, then
     * its retries, its redelivery): the booking's email is sent meanwhile. With one queue and one sender for both
     * channels it waited behind the SMS for all of that, some 6 s here (minutes with the defaults).
     */
    @Test
    void aTwilioThatDoesNotAnswerHoldsUpNoEmail() {
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withFixedDelay(5_000)
                .withStatus(201).withHeader("Content-Type", "application/json").withBody("{}")));

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
            assertThat(sentTimes(MESSAGES)).isNotEmpty();
        });
        long emailAt = sentTimes(MAIL_SEND).get(0);
        // sent within two of Twilio's read timeouts of the SMS's first attempt (measured from it, not from the
        // confirmation: on a loaded machine the consumers take a while to start on the two messages)
        assertThat(emailAt - sentTimes(MESSAGES).get(0)).as("ms from the SMS's first attempt to the email")
                .isLessThan(2_000);
        // while the SMS was still being tried: Twilio is asked again after the email went (its answer lost, the
        // SMS is looked for in Twilio's Messages list before any send again)
        await().atMost(Duration.ofSeconds(15)).until(() -> notify.twilio()
                .findAll(anyRequestedFor(urlPathEqualTo(MESSAGES))).stream()
                .anyMatch(r -> r.getLoggedDate().getTime() > emailAt));
        var notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
        assertThat(notifications).hasSize(2).allSatisfy(n -> {
            if (n.get("channel").asText().equals("SMS")) {
                assertThat(n.get("status").asText()).isEqualTo("queued");
            } else {
                assertThat(n.hasNonNull("providerReference")).as("the email went").isTrue();
            }
        });
    }

    /**
     * The messages an upgrade finds on the earlier versions' single queue (a booking's SMS and email there) are
     * forwarded to their channels' queues and sent.
     */
    @Test
    void notificationsOnTheEarlierVersionsQueueAreForwardedByChannelAndSent() throws Exception {
        String id;
        stopNotificationSenders();
        try {
            id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");
            await().atMost(Duration.ofSeconds(10)).until(() -> notificationsWaiting() == 2);
            JmsTemplate jms = new JmsTemplate(connectionFactory);
            jms.setReceiveTimeout(5_000);
            for (String queue : List.of(notificationProperties.smsQueue(), notificationProperties.emailQueue())) {
                var message = (jakarta.jms.BytesMessage) jms.receive(queue);
                byte[] body = new byte[(int) message.getBodyLength()];
                message.readBytes(body);
                jms.send(notificationProperties.queue(), session -> {
                    var old = session.createBytesMessage();
                    old.writeBytes(body);
                    return old;
                });
            }
            // the broker adds a message to its queue's count a moment after the send returns
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(queueDepth.messageCount(notificationProperties.queue())).isEqualTo(2));
        } finally {
            startNotificationSenders();
        }

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
            assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).hasSize(2)
                    .allSatisfy(n -> assertThat(n.hasNonNull("providerReference")).isTrue());
        });
        assertThat(queueDepth.messageCount(notificationProperties.queue())).isZero();
    }

    @Test
    void aRecipientTwilioRefusesIsFailedAtOnceAndNotAskedAgain() {
        jdbc.sql("DELETE FROM dead_letter").update();
        double wrongNumbersBefore = failed("SMS", "refused", "invalid-recipient");
        double refusedMessagesBefore = failed("SMS", "refused", "validation");
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.twilioError(21211, 400))));

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
            assertThat(notifications).hasSize(2).allSatisfy(n -> {
                if (n.get("channel").asText().equals("SMS")) {
                    assertThat(n.get("status").asText()).isEqualTo("failed");
                    assertThat(n.get("errorCode").asText()).isEqualTo("invalid-recipient");
                } else {
                    assertThat(n.hasNonNull("providerReference")).isTrue(); // the email went
                }
            });
        });
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES))); // refused once, not retried
        // counted as the customer's wrong number, not as a message refused (which NotificationsRefused alerts on)
        assertThat(failed("SMS", "refused", "invalid-recipient")).isEqualTo(wrongNumbersBefore + 1);
        assertThat(failed("SMS", "refused", "validation")).isEqualTo(refusedMessagesBefore);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM dead_letter").query(Integer.class).single()).isZero();
        // the recovery sweep leaves it failed
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND status = 'queued'")
                .param("id", id).query(Integer.class).single()).isZero();
    }

    /**
     * Twilio 21606 (the hub's From number cannot send SMS) refuses the hub's sending setup, not the customer: every SMS
     * would be refused until the operator fixes it. So it is no refusal for good but a provider error: Twilio's last
     * error in the integrations view, counted by the breaker, and the SMS kept as a dead letter waiting for the
     * operator, sent by its replay once the setup is fixed. It used to be failed for good as "validation", with no
     * last error, no dead letter, no failure for the breaker: the customer got nothing and the operator saw nothing.
     * The same for 21701 (the configured Messaging Service not this account's): before, failed for good as well.
     */
    @ParameterizedTest(name = "Twilio error {0}")
    @ValueSource(ints = {21606, 21701})
    void anSmsTwilioRefusesForTheHubsSenderWaitsAsADeadLetterAndTwilioShowsTheError(int code) {
        jdbc.sql("DELETE FROM dead_letter").update();
        double refusedBefore = refused("SMS");
        double deadBefore = meters.counter("connectify.dead.letters", "route", "notification-send-sms").count();
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.twilioError(code, 400))));

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        String letterId = await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql(
                        "SELECT id FROM dead_letter WHERE route_id = 'notification-send-sms'").query(String.class).optional(),
                java.util.Optional::isPresent).get();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND))));
        assertThat(meters.counter("connectify.dead.letters", "route", "notification-send-sms").count())
                .isEqualTo(deadBefore + 1);
        assertThat(refused("SMS")).isEqualTo(refusedBefore);
        JsonNode sms = sms(id);
        assertThat(sms.get("status").asText()).isEqualTo("queued");
        assertThat(sms.hasNonNull("providerReference")).isFalse();
        JsonNode letter = httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).json();
        assertThat(letter.get("errorMessage").asText()).startsWith("provider-error: Twilio refused the hub's sending setup")
                .contains(String.valueOf(code));
        assertThat(letter.has("retryAt")).as("waits for the operator, not replayed on its own").isFalse();
        JsonNode twilio = integration("twilio");
        assertThat(twilio.get("lastError").get("type").asText()).isEqualTo("provider-error");
        assertThat(twilio.get("lastError").get("detail").asText()).contains(String.valueOf(code));
        assertThat(twilio.toString()).doesNotContain(NotificationFakes.API_KEY_SECRET)
                .doesNotContain(NotificationFakes.AUTH_TOKEN).doesNotContain(NotificationFakes.ACCOUNT_SID);

        // the operator fixes the sender and replays: the SMS goes
        notify.reset();
        var replayed = send(request("/api/v1/admin/dead-letters/" + letterId + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
        assertThat(replayed.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(sms(id).hasNonNull("providerReference")).isTrue());
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    /**
     * A queued notification's dead letter names its provider, by the sender that consumed it: the SMS's twilio, the
     * email's sendgrid, so that the admin API's {@code ?provider} finds them. Before, a notification carries no
     * provider header and its letter had none: {@code ?provider=twilio} listed none of Twilio's failed SMS.
     */
    @Test
    void aNotificationsDeadLetterIsListedUnderItsProvider() {
        jdbc.sql("DELETE FROM dead_letter").update();
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.twilioError(21606, 400))));
        notify.sendGrid().stubFor(post(urlPathEqualTo(MAIL_SEND)).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json").withBody("{\"errors\":[{\"message\":\"down\"}]}")));

        confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        JsonNode sms = awaitDeadLetter("twilio");
        assertThat(sms.get("routeId").asText()).isEqualTo("notification-send-sms");
        assertThat(sms.get("provider").asText()).isEqualTo("twilio");
        JsonNode email = awaitDeadLetter("sendgrid");
        assertThat(email.get("routeId").asText()).isEqualTo("notification-send-email");
        assertThat(email.get("provider").asText()).isEqualTo("sendgrid");
    }

    /**
     * Twilio 21408 (SMS to the To number's region not enabled in the geo permissions) refuses one country, not every
     * SMS: a 502 and Twilio's last error for the operator, but no failure for the breaker. Counted, a burst of SMS to
     * one such country (here the test profile's four calls of the breaker's window) opened Twilio's circuit, and the
     * SMS to a Swiss number after it got 503 instead of going out.
     */
    @Test
    void smsToARegionTwilioDoesNotServeLeaveTheSmsToOtherRegionsGoing() {
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).withRequestBody(containing("To=%2B86"))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody(NotificationFakes.twilioError(21408, 400))));

        for (int i = 0; i < 6; i++) {
            var refused = httpPost("/api/v1/notifications/sms", "{\"to\":\"+8613800138000\",\"body\":\"Ni hao\"}");
            assertThat(refused.status()).as(refused.body()).isEqualTo(502);
            assertThat(refused.json().get("type").asText()).isEqualTo("provider-error");
        }
        var swiss = httpPost("/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"Grüezi\"}");

        assertThat(swiss.status()).as(swiss.body()).isEqualTo(201);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)).withRequestBody(containing("To=%2B41")));
        notify.twilio().verify(6, postRequestedFor(urlPathEqualTo(MESSAGES)).withRequestBody(containing("To=%2B86")));
        JsonNode twilio = integration("twilio");
        assertThat(twilio.get("circuit").asText()).isEqualTo("CLOSED");
        assertThat(twilio.get("lastError").get("type").asText()).isEqualTo("provider-error");
        assertThat(twilio.get("lastError").get("detail").asText()).contains("21408");
    }

    /** Twilio refusing the hub's From number (21606) refuses every SMS: that still opens Twilio's circuit. */
    @Test
    void refusalsOfTheHubsFromNumberStillOpenTwiliosCircuit() {
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.twilioError(21606, 400))));

        for (int i = 0; i < 4; i++) {
            assertThat(httpPost("/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"x\"}").status())
                    .isEqualTo(502);
        }
        var next = httpPost("/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"x\"}");

        assertThat(next.status()).as(next.body()).isEqualTo(503);
        assertThat(next.json().get("type").asText()).isEqualTo("provider-unavailable");
        notify.twilio().verify(4, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    /**
     * A message SendGrid refuses with a 400 (a from address or content it will not take) stays failed for good, as
     * any refusal of the message, and is shown as SendGrid's last error in the integrations view, the hub's own
     * detail only: before, nothing but a counter told the operator that an email went nowhere.
     */
    @Test
    void anEmailSendGridRefusesIsFailedAndShownAsSendGridsLastError() {
        double refusedBefore = failed("EMAIL", "refused", "validation");
        notify.sendGrid().stubFor(post(urlPathEqualTo(MAIL_SEND)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"errors":[{"message":"The from address does not match a verified Sender Identity.",
                                    "field":"from","help":null}]}""")));

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
            assertThat(notifications).anySatisfy(n -> {
                assertThat(n.get("channel").asText()).isEqualTo("EMAIL");
                assertThat(n.get("status").asText()).isEqualTo("failed");
                assertThat(n.get("errorCode").asText()).isEqualTo("validation");
            });
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        });
        assertThat(failed("EMAIL", "refused", "validation")).isEqualTo(refusedBefore + 1);
        JsonNode sendGrid = integration("sendgrid");
        assertThat(sendGrid.get("lastError").get("type").asText()).isEqualTo("validation");
        assertThat(sendGrid.get("lastError").get("detail").asText()).isEqualTo("SendGrid rejected the request (HTTP 400)");
        assertThat(sendGrid.toString()).doesNotContain(NotificationFakes.SENDGRID_KEY).doesNotContain("Sender Identity");
    }

    /** connectify_notifications_failed_total of one channel, status and reason. */
    private double failed(String channel, String status, String reason) {
        return meters.counter("connectify.notifications.failed", "channel", channel, "status", status, "reason", reason)
                .count();
    }

    /** A channel's notifications refused, whatever the reason. */
    private double refused(String channel) {
        return meters.find("connectify.notifications.failed").tags("channel", channel, "status", "refused").counters()
                .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /** A provider's entry in GET /admin/integrations. */
    private JsonNode integration(String provider) {
        var response = httpGet("/api/v1/admin/integrations", ADMIN_KEY);
        assertThat(response.status()).isEqualTo(200);
        return java.util.stream.StreamSupport.stream(response.json().get("integrations").spliterator(), false)
                .filter(i -> i.get("provider").asText().equals(provider)).findFirst().orElseThrow();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = TwilioMessageStore.Loss.class, names = {"STORED_THEN_READ_TIMEOUT", "STORED_THEN_CONNECTION_RESET",
            "STORED_THEN_BAD_GATEWAY"})
    void anSmsTwilioTookWhoseAnswerWasLostIsFoundAndRecordedNotSentAgain(TwilioMessageStore.Loss loss) {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        twilio.loseNextAnswer(loss);
        double foundBefore = foundAfterLostAnswer();

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(sms(id).hasNonNull("providerReference")).isTrue();
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        // Twilio took it once: the retry looked it up in the Messages list instead of sending it again
        assertThat(twilio.messages()).hasSize(1);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        var lookup = notify.twilio().findAll(getRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(lookup).hasSize(1);
        assertThat(lookup.get(0).queryParameter("To").firstValue()).isEqualTo("+41791234567");
        assertThat(lookup.get(0).queryParameter("From").firstValue()).isEqualTo(NotificationFakes.FROM);
        JsonNode sms = sms(id);
        assertThat(sms.get("providerReference").asText()).isEqualTo(twilio.messages().get(0).get("sid"));
        assertThat(sms.get("status").asText()).isEqualTo("sent");
        assertThat(foundAfterLostAnswer() - foundBefore).isEqualTo(1);
    }

    @Test
    void anSmsThatNeverReachedTwilioIsNotFoundAndSentAgainOnce() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        twilio.loseNextAnswer(TwilioMessageStore.Loss.NOT_STORED);
        double foundBefore = foundAfterLostAnswer();

        var response = httpPost("/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"Hello again\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        notify.twilio().verify(1, getRequestedFor(urlPathEqualTo(MESSAGES))); // looked up, found nothing
        notify.twilio().verify(2, postRequestedFor(urlPathEqualTo(MESSAGES))); // the lost one, and once again
        assertThat(twilio.messages()).hasSize(1);
        assertThat(response.json().get("providerReference").asText()).isEqualTo(twilio.messages().get(0).get("sid"));
        assertThat(foundAfterLostAnswer()).isEqualTo(foundBefore);
    }

    @Test
    void anSmsWhoseLookupFailsIsNotSentAgainAndTheCallerGetsAProviderError() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        twilio.loseNextAnswer(TwilioMessageStore.Loss.STORED_THEN_CONNECTION_RESET);
        notify.twilio().stubFor(get(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.twilioError(20503, 503))));

        Response response = smsNotSentAgainAfterAFailedLookup("Hello twice");

        // Twilio may have it: never sent again before a lookup says it has not (test profile: 3 attempts, the
        // lost one and two lookups)
        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).endsWith("provider-error");
        notify.twilio().verify(2, getRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(1);
    }

    /**
     * Twilio takes each message but answers after the read timeout, and lists its messages as slowly: the lookups all
     * fail. Sent blindly again at each retry and each redelivery, one notice went out six times here (test profile:
     * 3 attempts, one redelivery; 40 with the defaults). Once Twilio answers in time, the dead letter's replay looks
     * first and records the message Twilio took.
     */
    @Test
    void aNoticeTwilioTakesButAnswersLateIsSentOnceAndRecordedWhenTwilioAnswersInTimeAgain() {
        jdbc.sql("DELETE FROM dead_letter").update();
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        twilio.answerLate();

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        // the send, its retries and its redelivery failed: a dead letter, the notice still unsent
        JsonNode letter = theSmsDeadLetter();
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(1);
        assertThat(sms(id).get("status").asText()).isEqualTo("queued");
        assertThat(sms(id).hasNonNull("providerReference")).isFalse();

        twilio.answerInTime();
        replayUntilTheSmsIsRecorded(letter, id);
        // the replay looked the message up before it sent anything: the one Twilio took is recorded
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(1);
        assertThat(sms(id).get("providerReference").asText()).isEqualTo(twilio.messages().get(0).get("sid"));
    }

    @Test
    void anSmsStillQueuedAtTwilioWhoseAnswerWasLostIsFoundAndNotSentAgain() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        twilio.keepQueued(); // no date_sent yet: Twilio is slow, which is when answers get lost
        twilio.loseNextAnswer(TwilioMessageStore.Loss.STORED_THEN_READ_TIMEOUT);

        var response = httpPost("/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"Still queued\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(twilio.messages()).hasSize(1);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(response.json().get("providerReference").asText()).isEqualTo(twilio.messages().get(0).get("sid"));
        assertThat(response.json().get("status").asText()).isEqualTo("queued");
    }

    @Test
    void twoUnrecordedSmsOfTheSameTextAreAmbiguousAndTheSmsIsNeitherAdoptedNorSentAgain() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        // another notification's identical SMS (its answer lost too, its SID not recorded yet), a second earlier
        twilio.storeSent("+41791234567", NotificationFakes.FROM, "Hello twins", java.time.Instant.now().minusSeconds(1));
        twilio.loseNextAnswer(TwilioMessageStore.Loss.STORED_THEN_CONNECTION_RESET);
        double foundBefore = foundAfterLostAnswer();
        double ambiguousBefore = ambiguousAfterLostAnswer();

        Response response;
        try (LogLines lines = LogLines.of(TwilioMessageLookup.class)) {
            response = httpPost("/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"Hello twins\"}");
            assertThat(lines.lines()).anySatisfy(line -> assertThat(line.getFormattedMessage())
                    .contains("2 such messages").contains("not sending again"));
        }

        // Twilio has it (one of the two): not sent a third time; which one is unknown, so none is taken
        assertThat(response.status()).as(response.body()).isEqualTo(502);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(2);
        assertThat(foundAfterLostAnswer()).isEqualTo(foundBefore);
        assertThat(ambiguousAfterLostAnswer() - ambiguousBefore).isEqualTo(2); // both retries looked
        // Twilio answered every call: what it lists cannot tell, which is no failure of Twilio's. Counted as one, a
        // notice held up so (replayed ten times, each a failure) opened Twilio's breaker for every other SMS
        assertThat(resilience.circuitBreaker("twilio").getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * More messages to the recipient since the first lost attempt than the lookup reads (5 pages of 20, then 5 of
     * Twilio's largest, 1000: the operator's number on a busy day): whether Twilio took this one cannot be told. Not
     * sent again, and no failure of Twilio's: ambiguous, as two candidates are.
     */
    @Test
    void anSmsLostAmongMoreThan5000MessagesToItsNumberIsNeitherSentAgainNorAFailureOfTwilio() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        // 5000 other SMS to the number since the first attempt, and the lost one: 5001, one more than 5 pages of 1000
        twilio.storeSent("+41791234567", NotificationFakes.FROM, "Another booking's news", java.time.Instant.now(),
                5000);
        twilio.loseNextAnswer(TwilioMessageStore.Loss.STORED_THEN_CONNECTION_RESET);
        double foundBefore = foundAfterLostAnswer();
        double ambiguousBefore = ambiguousAfterLostAnswer();

        Response response;
        try (LogLines lines = LogLines.of(TwilioMessageLookup.class)) {
            response = httpPost("/api/v1/notifications/sms",
                    "{\"to\":\"+41791234567\",\"body\":\"Lost in the crowd\"}");
            assertThat(lines.lines()).anySatisfy(line -> assertThat(line.getFormattedMessage())
                    .contains("more than 5000 messages").contains("not sending again"));
        }

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).endsWith("provider-error");
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(5001);
        // each of the two retries (test profile: 3 attempts) read 5 pages of 20, then 5 of 1000, and gave up
        List<String> oneLookup = List.of("20/0", "20/1", "20/2", "20/3", "20/4",
                "1000/0", "1000/1", "1000/2", "1000/3", "1000/4");
        assertThat(notify.twilio().findAll(getRequestedFor(urlPathEqualTo(MESSAGES))).stream()
                .map(page -> page.queryParameter("PageSize").firstValue() + "/"
                        + (page.queryParameter("Page").isPresent() ? page.queryParameter("Page").firstValue() : "0"))
                .toList())
                .containsExactlyElementsOf(java.util.stream.Stream.concat(oneLookup.stream(), oneLookup.stream())
                        .toList());
        assertThat(foundAfterLostAnswer()).isEqualTo(foundBefore);
        assertThat(ambiguousAfterLostAnswer() - ambiguousBefore).isEqualTo(2); // once a lookup
        var breaker = resilience.circuitBreaker("twilio");
        assertThat(breaker.getState()).isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
    }

    @Test
    void theLookupReadsBackOnlyToTheFirstAttemptLessAFewSeconds() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        // the same SMS sent a minute ago, more than a page of it: older than the first attempt less the margin (5 s)
        for (int i = 0; i < 25; i++) {
            twilio.storeSent("+41791234567", NotificationFakes.FROM, "Hello again and again",
                    java.time.Instant.now().minusSeconds(60));
        }
        twilio.failLaterPages(); // read no further than the first page: it reaches past the first attempt
        twilio.loseNextAnswer(TwilioMessageStore.Loss.STORED_THEN_CONNECTION_RESET);
        double foundBefore = foundAfterLostAnswer();

        var response = httpPost("/api/v1/notifications/sms",
                "{\"to\":\"+41791234567\",\"body\":\"Hello again and again\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.twilio().verify(1, getRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(26);
        assertThat(response.json().get("providerReference").asText()).isEqualTo(twilio.messages().get(25).get("sid"));
        assertThat(foundAfterLostAnswer() - foundBefore).isEqualTo(1);
    }

    @Test
    void aListPageThatFailsBeforeTheLookupReachedTheFirstAttemptFailsTheLookup() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        // more than a page of other SMS to the recipient since the first attempt: the list must be read on
        for (int i = 0; i < 25; i++) {
            twilio.storeSent("+41791234567", NotificationFakes.FROM, "Other news " + i, java.time.Instant.now());
        }
        twilio.failLaterPages();
        twilio.loseNextAnswer(TwilioMessageStore.Loss.STORED_THEN_CONNECTION_RESET);

        Response response = smsNotSentAgainAfterAFailedLookup("Paged");

        // the match on the first page may not be the only one: the lookup failed, and nothing was sent again (each
        // of the two retries read the first page and failed on the second)
        assertThat(response.status()).as(response.body()).isEqualTo(502);
        notify.twilio().verify(4, getRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(26);
    }

    /**
     * Twilio may create a message after the hub (or its own edge) gave up waiting for the answer: dated after the lost
     * attempt ended. A lookup that took only the messages up to the lost attempt's end (and 5 s) passed it over and
     * sent the SMS again: the customer got two.
     */
    @Test
    void anSmsTwilioCreatedAfterItsLostAnswersAttemptEndedIsFoundByTheReplayNotSentAgain() {
        jdbc.sql("DELETE FROM dead_letter").update();
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        twilio.answerLate(); // taken, its answer lost, and the lookups as late: a dead letter
        twilio.createLate(Duration.ofSeconds(30));

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        JsonNode letter = theSmsDeadLetter();
        assertThat(twilio.messages()).hasSize(1);
        Object taken = twilio.messages().get(0).get("sid");
        twilio.answerInTime();

        replayUntilTheSmsIsRecorded(letter, id);
        assertThat(sms(id).get("providerReference").asText()).isEqualTo(taken);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(1);
    }

    /**
     * The operator's number (connectify.twilio.operator-number) gets a copy of every SMS: by the time a copy whose
     * answer was lost is replayed, hours later on a busy hub, hundreds more have reached it (here the customer's
     * number stands for it, as this context sets no operator number). The lookup read the list back from the newest, 5
     * pages of 20, and failed ("Twilio lists more than 100 messages") at every retry and replay, each a failure of
     * Twilio's breaker: the notice stayed queued for ever. It reads back to the first lost attempt in Twilio's largest
     * pages once the small ones do not reach back to it.
     */
    @Test
    void aNoticeWhoseAnswerWasLostIsFoundByItsReplayPastHundredsOfLaterSmsToItsNumber() {
        jdbc.sql("DELETE FROM dead_letter").update();
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        twilio.answerLate(); // taken, its answer lost, and the lookups as late: a dead letter

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        JsonNode letter = theSmsDeadLetter();
        assertThat(twilio.messages()).hasSize(1);
        Object taken = twilio.messages().get(0).get("sid");
        // 150 SMS to the number after it, a minute later (other bookings' news)
        java.time.Instant later = java.time.Instant.now().plusSeconds(60);
        for (int i = 0; i < 150; i++) {
            twilio.storeSent("+41791234567", NotificationFakes.FROM, "Another booking's news " + i, later);
        }
        twilio.answerInTime();

        replayUntilTheSmsIsRecorded(letter, id);
        assertThat(sms(id).get("providerReference").asText()).isEqualTo(taken);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(151);
        // the lost attempt's end was kept with when it began, and the digest of its text
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND channel = 'SMS' AND "
                + "answer_lost_at IS NOT NULL AND answer_lost_until >= answer_lost_at AND answer_lost_digest IS NOT NULL")
                .param("id", id).query(Integer.class).single()).isEqualTo(1);
    }

    /**
     * A payment-mismatch notice tells whether its booking is still held for a payment, rendered again at each send
     * (NotificationPlanner.asSentNow). Taken by Twilio while the booking was held, its answer lost, and replayed once
     * the hold had ended, it was looked for by its new text ("no longer reserved"), not found, and sent again: two SMS.
     * The lookup looks for the text the lost attempt sent (its SHA-256, kept with the lost answer).
     */
    @Test
    void aPaymentMismatchNoticeWhoseAnswerWasLostIsFoundByTheTextItWasSentWithAfterItsHoldEnded() {
        jdbc.sql("DELETE FROM dead_letter").update();
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        twilio.answerLate();
        String id = pendingBooking("2026-12-01T09:00:00+01:00", "stripe"); // held until 08:15 (+01:00)

        // paid in yen: refunded, and its customer told, while the booking holds its slot
        assertThat(signedStripeWebhook(io.connectify.hub.support.StripeFake.event("evt_jpy_lost",
                "checkout.session.completed", io.connectify.hub.support.StripeFake.checkoutSession(id, "paid",
                        "pi_jpy_lost").replace("\"currency\":\"chf\"", "\"currency\":\"jpy\""))).status())
                .isEqualTo(200);

        JsonNode letter = theSmsDeadLetter();
        assertThat(twilio.messages()).hasSize(1);
        assertThat((String) twilio.messages().get(0).get("body")).contains("reserviert");
        // the hold ends before the replay: the notice now tells of a booking no longer held
        clock.set(io.connectify.hub.support.TestClockConfig.NOW.plus(Duration.ofMinutes(30)));
        twilio.answerInTime();

        replayUntilTheSmsIsRecorded(letter, id);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(1);
        assertThat(sms(id).get("providerReference").asText()).isEqualTo(twilio.messages().get(0).get("sid"));
    }

    @Test
    void anSmsFoundAlreadyFailedAfterItsAnswerWasLostIsCountedAsFailed() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        twilio.listAs("undelivered"); // Twilio took it, and the carrier refused it before the lookup
        twilio.loseNextAnswer(TwilioMessageStore.Loss.STORED_THEN_CONNECTION_RESET);
        double failedBefore = failed("SMS", "undelivered", "delivery");

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(sms(id).get("status").asText()).isEqualTo("undelivered"));
        assertThat(twilio.messages()).hasSize(1);
        assertThat(sms(id).get("providerReference").asText()).isEqualTo(twilio.messages().get(0).get("sid"));
        assertThat(failed("SMS", "undelivered", "delivery")).isEqualTo(failedBefore + 1);
    }

    /**
     * The hub stops after Twilio took the SMS and before the send recorded it (a kill, a lost node, a commit that fails):
     * simulated by the write of its SID failing, which rolls the send's transaction back as a stop or a lost commit
     * does. The send's start, committed before Twilio was called, is found by the redelivery with no outcome: taken as a
     * lost answer, the SMS is looked up first, found and recorded, not sent again. Before, the rollback took everything
     * with it, and the redelivery sent the SMS a second time.
     */
    @Test
    void anSmsWhoseSendStoppedBeforeItsOutcomeWasRecordedIsLookedUpAndNotSentAgain() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.SMS,
                "+41791234567", null, "Hello once", false, null, null, null);
        notificationLog.queued(n);

        try (var lostCommit = io.connectify.hub.support.FailingWrite.updateOnce(jdbc, "notification", n.id(),
                "provider_reference")) {
            camel.createProducerTemplate().sendBody("direct:notification-queue", List.of(n));

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                    assertThat(notificationLog.providerReference(n)).isNotNull());
            assertThat(lostCommit.failed()).as("the first send's outcome was lost").isTrue();
        }
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(notify.twilio().findAll(getRequestedFor(urlPathEqualTo(MESSAGES)))).isNotEmpty();
        assertThat(twilio.messages()).hasSize(1);
        assertThat(notificationLog.providerReference(n)).isEqualTo(twilio.messages().get(0).get("sid"));
        assertThat(notificationStatus(n)).isEqualTo("sent");
    }

    /**
     * A direct SMS whose outcome was never recorded (its commit failed: 500, as a hub stopped during the send leaves
     * it) is looked up by the caller's repeat under the same Idempotency-Key: Twilio has it, so the repeat answers its
     * SID and sends nothing. Before, each request was a new notification, sent without the queued sends' start: the
     * repeat sent the SMS a second time without a lookup, and the first stayed queued for good.
     */
    @Test
    void aDirectSmsWhoseOutcomeWasLostIsLookedUpByItsRepeatUnderTheSameKeyAndNotSentAgain() {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        String sms = "{\"to\":\"+41795550123\",\"body\":\"Your code is 4711\"}";
        Response first;
        try (var lostCommit = io.connectify.hub.support.FailingWrite.updateOnceWhere(jdbc, "notification",
                "recipient", "+41795550123", "provider_reference")) {
            first = postWithKey("/api/v1/notifications/sms", sms, "otp-4711");
            assertThat(lostCommit.failed()).as("the first send's outcome was lost").isTrue();
        }
        assertThat(first.status()).as(first.body()).isEqualTo(500);

        var repeat = postWithKey("/api/v1/notifications/sms", sms, "otp-4711");

        assertThat(repeat.status()).as(repeat.body()).isEqualTo(201);
        assertThat(twilio.messages()).hasSize(1);
        assertThat(repeat.json().get("providerReference").asText()).isEqualTo(twilio.messages().get(0).get("sid"));
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(notify.twilio().findAll(getRequestedFor(urlPathEqualTo(MESSAGES)))).as("looked up").isNotEmpty();
    }

    /** A direct send's repeat under the same key once the first was answered and its answer's lifetime ran out. */
    @Test
    void aDirectEmailsRepeatUnderTheSameKeyAfterItWasSentAnswersTheSendAndSendsNothing() {
        String email = "{\"to\":\"jane@example.com\",\"subject\":\"Receipt\",\"body\":\"Thanks\"}";
        var first = postWithKey("/api/v1/notifications/email", email, "receipt-1");
        // the stored answer gone (connectify.http.idempotency-key-lifetime, or a retention sweep): the request runs again
        jdbc.sql("DELETE FROM api_idempotency").update();

        var repeat = postWithKey("/api/v1/notifications/email", email, "receipt-1");

        assertThat(first.status()).isEqualTo(201);
        assertThat(repeat.status()).isEqualTo(201);
        assertThat(repeat.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(repeat.json().get("providerReference").asText())
                .isEqualTo(first.json().get("providerReference").asText());
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
    }

    private Response postWithKey(String path, String json, String idempotencyKey) {
        return send(request(path).header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json)), API_KEY);
    }

    /**
     * A send that failed with Twilio's answer (a 500: nothing taken) records its failure, its start cleared: the
     * redelivery sends without a lookup, as before the send's start was recorded.
     */
    @Test
    void anSmsTwilioAnsweredWithAnErrorIsSentAgainWithoutALookup() {
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.SMS,
                "+41791234567", null, "Hello after an error", false, null, null, null);
        notificationLog.queued(n);
        // every attempt of the first delivery answered 500 (test profile: 3), then Twilio takes it
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("500 then 201")
                .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody(NotificationFakes.twilioError(20500, 500)))
                .willSetStateTo("failing"));
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("500 then 201")
                .whenScenarioStateIs("failing")
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody(NotificationFakes.twilioError(20500, 500)))
                .willSetStateTo("failing again"));
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("500 then 201")
                .whenScenarioStateIs("failing again")
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody(NotificationFakes.twilioError(20500, 500)))
                .willSetStateTo("taking"));
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("500 then 201")
                .whenScenarioStateIs("taking")
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody(NotificationFakes.message("SM" + "c".repeat(32)))));

        camel.createProducerTemplate().sendBody("direct:notification-queue", List.of(n));

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(notificationLog.providerReference(n)).isEqualTo("SM" + "c".repeat(32)));
        notify.twilio().verify(4, postRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.twilio().verify(0, getRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    /**
     * SendGrid takes each email but answers after the hub's read timeout, every time. SendGrid takes no idempotency
     * key and cannot be asked whether it has a mail: sent again at each retry and redelivery, one confirmation went out
     * six times here (test profile: 3 attempts, one redelivery; 20 with the defaults, more with each dead letter's
     * replay). Now it is sent once more after the lost answer (connectify.sendgrid.resends-after-lost-answer: 1), then
     * recorded failed (answer-lost), counted, and its booking marked for a person, who checks SendGrid's activity.
     */
    @Test
    void anEmailWhoseAnswersSendGridLosesIsSentAtMostTwiceThenFailedAndLeftForAPerson() {
        jdbc.sql("DELETE FROM dead_letter").update();
        notify.sendGrid().stubFor(post(urlPathEqualTo(MAIL_SEND)).willReturn(aResponse().withStatus(202)
                .withHeader("X-Message-Id", "sg-late").withFixedDelay(1_500))); // past the read timeout (1 s)
        double failedBefore = answerLostFailures();

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode email = email(id);
            assertThat(email.get("status").asText()).isEqualTo("failed");
            assertThat(email.get("errorCode").asText()).isEqualTo("answer-lost");
        });
        // the lost one and one more: nothing after the notification failed
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                notify.sendGrid().verify(2, postRequestedFor(urlPathEqualTo(MAIL_SEND))));
        assertThat(email(id).hasNonNull("providerReference")).isFalse();
        assertThat(answerLostFailures() - failedBefore).isEqualTo(1);
        String note = attentionNote(id);
        assertThat(note).contains("confirmation email went to SendGrid 2 times without an answer")
                .contains("check SendGrid's activity");
        assertThat(httpGet("/api/v1/admin/dead-letters", ADMIN_KEY).json().get("deadLetters")).isEmpty();
    }

    /**
     * A second copy of an email (a redelivery, the recovery sweep's re-queue, another instance) while the first is
     * waiting for SendGrid's answer: it waits for the first's row lock, then finds the email sent. Not taken as a lost
     * answer (which would spend the one resend, or give the email up as answer-lost): one email, no answer lost.
     */
    @Test
    void aSecondCopyOfAnEmailWhileTheFirstWaitsForSendGridSendsNothingAndLosesNoAnswer() throws Exception {
        notify.sendGrid().stubFor(post(urlPathEqualTo(MAIL_SEND)).willReturn(aResponse().withStatus(202)
                .withHeader("X-Message-Id", "sg-held").withTransformers(io.connectify.hub.support.HeldAnswer.NAME)));
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.EMAIL,
                "john@example.com", "Hello", "Hello once", false, null, null, null);

        whileASecondCopyComesDuringTheFirstsSend(n, notify.sendGridHold());

        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        assertThat(notificationStatus(n)).isEqualTo("accepted");
        assertThat(notificationLog.providerReference(n)).isEqualTo("sg-held");
        assertThat(notificationLog.lostAnswer(n).answersLost()).isZero();
    }

    /** The SMS twin: one SMS, no lookup at Twilio, no answer lost. */
    @Test
    void aSecondCopyOfAnSmsWhileTheFirstWaitsForTwilioSendsNothingAndLooksNothingUp() throws Exception {
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.message("SM" + "h".repeat(32)))
                .withTransformers(io.connectify.hub.support.HeldAnswer.NAME)));
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.SMS,
                "+41791234567", null, "Hello once", false, null, null, null);

        whileASecondCopyComesDuringTheFirstsSend(n, notify.twilioHold());

        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.twilio().verify(0, getRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(notificationStatus(n)).isEqualTo("queued"); // Twilio's status of the message it took
        assertThat(notificationLog.providerReference(n)).isEqualTo("SM" + "h".repeat(32));
        assertThat(notificationLog.lostAnswer(n).answersLost()).isZero();
    }

    /**
     * A first copy of an SMS slow to take its row lock (another instance's, waiting for a pooled connection, say) while
     * a second copy comes through the queue and is sent: one SMS, no lookup at Twilio, no answer lost. Before, the
     * first copy had committed its send's start before it took the lock: the second found that start with no outcome,
     * took it for a lost answer, and looked the SMS up at Twilio before it sent.
     */
    @Test
    void aSecondCopyOfAnSmsWhileTheFirstIsAboutToTakeItsRowLockSendsOnceAndLooksNothingUp() throws Exception {
        TwilioMessageStore twilio = notify.storeTwilioMessages();
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.SMS,
                "+41791234567", null, "Hello once", false, null, null, null);

        whileTheFirstCopyIsAboutToTakeItsRowLockASecondIsSent(n);

        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.twilio().verify(0, getRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(twilio.messages()).hasSize(1);
        assertThat(notificationLog.providerReference(n)).isEqualTo(twilio.messages().get(0).get("sid"));
        assertThat(notificationLog.lostAnswer(n).answersLost()).isZero();
    }

    /**
     * The email twin, of an email whose one resend after a lost answer is still to use (SendGrid lost the answer to an
     * earlier send): sent once, its lost answers still one. Before, the second copy took the first's start for one
     * more lost answer, and gave the email up unsent ("went to SendGrid 2 times without an answer").
     */
    @Test
    void aSecondCopyOfAnEmailWhileTheFirstIsAboutToTakeItsRowLockSendsItOnceAndSpendsNoResend() throws Exception {
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.EMAIL,
                "john@example.com", "Hello", "Hello once", false, null, null, null);
        double failedBefore = answerLostFailures();

        whileTheFirstCopyIsAboutToTakeItsRowLockASecondIsSent(n, () -> jdbc.sql("UPDATE notification SET "
                + "answer_lost_at = CURRENT_TIMESTAMP, answers_lost = 1 WHERE id = :id").param("id", n.id()).update());

        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        assertThat(notificationStatus(n)).isEqualTo("accepted");
        assertThat(notificationLog.providerReference(n)).isEqualTo("sg-message-1");
        assertThat(notificationLog.lostAnswer(n).answersLost()).isEqualTo(1);
        assertThat(answerLostFailures() - failedBefore).isZero();
    }

    /**
     * Logs {@code n} (then runs {@code logged}), has a first copy sent directly held just before it takes the
     * notification's row lock (its next SELECT of the table, {@link io.connectify.hub.support.PausedSelect}), queues a
     * second copy and waits until it is sent or failed, then lets the first go on. Both copies end without a failure.
     */
    private void whileTheFirstCopyIsAboutToTakeItsRowLockASecondIsSent(Notification n, Runnable... logged)
            throws Exception {
        notificationLog.queued(n);
        for (Runnable then : logged) {
            then.run();
        }
        try (var pause = io.connectify.hub.support.PausedSelect.on(jdbc, "notification")) {
            var first = java.util.concurrent.CompletableFuture.runAsync(() -> {
                pause.pauseNextSelect();
                delivery.sendOnce(n);
            });
            pause.awaitPaused();

            camel.createProducerTemplate().sendBody("direct:notification-queue", List.of(n));
            await().atMost(Duration.ofSeconds(15)).until(() -> notificationLog.providerReference(n) != null
                    || !notificationStatus(n).startsWith("queued"));

            pause.release();
            first.get(15, TimeUnit.SECONDS);
        }
    }

    /**
     * Sends {@code n} (logged) with its provider's answer held, delivers a second copy while it is held, and releases
     * the answer once the second copy waits on the database (H2's sessions show one blocked): inside the test
     * profile's 1 s read timeout. Both copies end without a failure.
     */
    private void whileASecondCopyComesDuringTheFirstsSend(Notification n, io.connectify.hub.support.HeldAnswer hold)
            throws Exception {
        // one send of the channel first, not held, until one is answered in time (the first of a cold JVM on a busy
        // machine may not be): the hub's path to the provider warmed up, so that the copies below each take well
        // under the read timeout to reach the provider or the database
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            Notification warmUp = new Notification(java.util.UUID.randomUUID().toString(), n.channel(), n.to(),
                    n.subject(), "warming up", false, null, null, null);
            notificationLog.queued(warmUp);
            delivery.sendOnce(warmUp);
            return true;
        });
        notify.twilio().resetRequests();
        notify.sendGrid().resetRequests();

        notificationLog.queued(n);
        hold.arm();
        var first = java.util.concurrent.CompletableFuture.runAsync(() -> delivery.sendOnce(n));
        hold.awaitArrival();
        var second = java.util.concurrent.CompletableFuture.runAsync(() -> delivery.sendOnce(n));
        boolean waited;
        try {
            waited = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() ->
                    second.isDone() ? Boolean.FALSE : jdbc.sql("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS "
                            + "WHERE BLOCKER_ID IS NOT NULL").query(Integer.class).single() > 0 ? Boolean.TRUE : null,
                    java.util.Objects::nonNull);
        } finally {
            hold.release();
        }
        first.get(15, TimeUnit.SECONDS);
        second.get(15, TimeUnit.SECONDS);
        assertThat(waited).as("the second copy waited on the database while the first was at the provider").isTrue();
    }

    /**
     * A copy that outwaits its notification's row lock is rolled back for the broker's redelivery: expected under
     * redelivery, so one INFO line (the sender's) and a count (connectify_notifications_busy_total) per rollback, and no
     * WARN. Before, the JMS listener logged each such rollback as a WARN ("Execution of JMS message listener failed
     * ... RollbackExchangeException: Intended rollback"), an operator's alarm for a passing contention.
     */
    @Test
    void aBusyCopysRollbackIsOneInfoLineAndACountNotAWarning() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.SMS,
                "+41791234567", null, "Hello after a quiet wait", false, null, null, null);
        notificationLog.queued(n);
        double busyBefore = meters.counter("connectify.notifications.busy", "channel", "SMS").count();

        try (LogLines lines = LogLines.all()) {
            whileRowsAreHeld("SELECT id FROM notification WHERE id = :id FOR UPDATE", Map.of("id", n.id()), () -> {
                camel.createProducerTemplate().sendBody("direct:notification-queue", List.of(n));
                await().atMost(Duration.ofSeconds(20)).until(() -> lines.lines().stream().anyMatch(line ->
                        line.getFormattedMessage().contains("left to the broker's redelivery")));
                return null;
            });
            // redelivered once the row is free (sent, or, should Twilio fail, a dead letter): the rollback is over
            await().atMost(Duration.ofSeconds(30)).until(() -> notificationLog.providerReference(n) != null
                    || !httpGet("/api/v1/admin/dead-letters", ADMIN_KEY).json().get("deadLetters").isEmpty());

            var busyLines = lines.lines().stream().filter(line -> line.getFormattedMessage().contains(n.id())
                    && line.getFormattedMessage().contains("left to the broker's redelivery")).toList();
            assertThat(busyLines).isNotEmpty().allSatisfy(line ->
                    assertThat(line.getLevel()).isEqualTo(ch.qos.logback.classic.Level.INFO));
            assertThat(lines.lines()).filteredOn(line -> line.getLevel().isGreaterOrEqual(
                            ch.qos.logback.classic.Level.WARN))
                    .noneMatch(line -> line.getLoggerName().endsWith("EndpointMessageListener")
                            || line.getFormattedMessage().contains("Intended rollback"));
            assertThat(meters.counter("connectify.notifications.busy", "channel", "SMS").count())
                    .isEqualTo(busyBefore + busyLines.size());
        }
    }

    /**
     * A copy of an SMS that waits for its row lock past the lock timeout (another copy being sent holds it; here the
     * test's transaction) is rolled back to the broker, which redelivers it with its back-off: sent once the row is
     * free, and no dead letter. Before, it was retried in place (test profile: once) and then stored as a dead letter,
     * the SMS left unsent until the letter's automatic replay (a minute at the earliest) or a person.
     */
    @Test
    void aCopyThatWaitsForItsRowLockPastTheLockTimeoutIsRedeliveredByTheBrokerNotDeadLettered() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.SMS,
                "+41791234567", null, "Hello after a wait", false, null, null, null);
        notificationLog.queued(n);

        try (LogLines lines = LogLines.of(NotificationDelivery.class)) {
            whileRowsAreHeld("SELECT id FROM notification WHERE id = :id FOR UPDATE", Map.of("id", n.id()), () -> {
                camel.createProducerTemplate().sendBody("direct:notification-queue", List.of(n));
                // held until the copy has outwaited the lock timeout (2 s), or (before) has become a dead letter
                await().atMost(Duration.ofSeconds(20)).until(() -> lines.lines().stream().anyMatch(line ->
                        line.getFormattedMessage().contains("left to the broker's redelivery"))
                        || !httpGet("/api/v1/admin/dead-letters", ADMIN_KEY).json().get("deadLetters").isEmpty());
                return null;
            });
        }

        assertThat(httpGet("/api/v1/admin/dead-letters", ADMIN_KEY).json().get("deadLetters")).isEmpty();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(notificationLog.providerReference(n)).isNotNull());
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        assertThat(httpGet("/api/v1/admin/dead-letters", ADMIN_KEY).json().get("deadLetters")).isEmpty();
    }

    /**
     * An email given up after lost answers whose booking cannot be marked at once (another transaction holds the
     * booking's row past the lock timeout): the give-up rolls back and the redelivery gives up again. Counted once
     * and noted with the answers really lost: before, the first give-up was counted although it rolled back (2), and
     * its start, left without an outcome although it sent nothing, was taken as one more lost answer ("3 times").
     */
    @Test
    void anEmailGivenUpWhileItsBookingIsHeldIsCountedAndMarkedOnceByItsRedelivery() throws Exception {
        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(email(id).hasNonNull("providerReference")).isTrue());
        notify.sendGrid().resetRequests();
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.EMAIL,
                "john@example.com", "Reminder", "See you soon", false, id, "reminder", null);
        notificationLog.queued(n);
        // two sends lost SendGrid's answer already (connectify.sendgrid.resends-after-lost-answer: 1): given up
        jdbc.sql("UPDATE notification SET answer_lost_at = CURRENT_TIMESTAMP, answers_lost = 2 WHERE id = :id")
                .param("id", n.id()).update();
        double failedBefore = answerLostFailures();

        whileRowsAreHeld("SELECT id FROM booking WHERE id = :id FOR UPDATE", Map.of("id", id), () -> {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> delivery.sendOnce(n))
                    .satisfies(e -> assertThat(io.connectify.hub.resilience.DatabaseBusy.is(e)).isTrue());
            return null;
        });
        assertThat(notificationStatus(n)).as("the give-up rolled back").isEqualTo("queued");
        assertThat(answerLostFailures() - failedBefore).as("nothing counted for what rolled back").isZero();

        delivery.sendOnce(n); // its redelivery

        assertThat(notificationStatus(n)).isEqualTo("failed answer-lost");
        assertThat(answerLostFailures() - failedBefore).isEqualTo(1);
        assertThat(attentionNote(id)).contains("reminder email went to SendGrid 2 times without an answer")
                .doesNotContain("3 times");
        notify.sendGrid().verify(0, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
    }

    /**
     * A direct POST /notifications/email whose answers SendGrid loses: sent once more, then 502 provider-error, telling
     * the caller the email may have gone out (before: once per attempt, 3 with the test profile, 10 by default).
     */
    @Test
    void anEmailSentDirectlyWhoseAnswersSendGridLosesIsSentAtMostTwiceAndTheCallerGetsAProviderError() {
        notify.sendGrid().stubFor(post(urlPathEqualTo(MAIL_SEND)).willReturn(aResponse().withStatus(202)
                .withHeader("X-Message-Id", "sg-late").withFixedDelay(1_500)));

        var response = httpPost("/api/v1/notifications/email",
                "{\"to\":\"john@example.com\",\"subject\":\"Hello\",\"body\":\"Hello there\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).endsWith("provider-error");
        assertThat(response.json().get("detail").asText()).contains("may have gone out");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                notify.sendGrid().verify(2, postRequestedFor(urlPathEqualTo(MAIL_SEND))));
    }

    private JsonNode email(String bookingId) {
        JsonNode notifications = httpGet("/api/v1/bookings/" + bookingId + "/notifications").json().get("notifications");
        var email = java.util.stream.StreamSupport.stream(notifications.spliterator(), false)
                .filter(n -> n.get("channel").asText().equals("EMAIL")).findFirst();
        assertThat(email).as("the booking's email is logged").isPresent();
        return email.get();
    }

    /** The one dead letter, the SMS sender's: its send, retries and redelivery failed. */
    private JsonNode theSmsDeadLetter() {
        JsonNode letter = await().atMost(Duration.ofSeconds(30)).until(() -> httpGet("/api/v1/admin/dead-letters",
                ADMIN_KEY).json().get("deadLetters"), list -> list.size() == 1).get(0);
        assertThat(letter.get("routeId").asText()).isEqualTo("notification-send-sms");
        return letter;
    }

    /** Replays the SMS's dead letter (200) and waits until the notification has a provider reference. */
    private void replayUntilTheSmsIsRecorded(JsonNode letter, String id) {
        var replayed = send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
        assertThat(replayed.status()).as(replayed.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(sms(id).hasNonNull("providerReference")).isTrue());
    }

    private double answerLostFailures() {
        return meters.counter("connectify.notifications.failed", "channel", "EMAIL", "status", "answer-lost",
                "reason", "answer-lost").count();
    }

    /** The booking's note in GET /api/v1/admin/bookings/attention; null when it is not listed. */
    private String attentionNote(String bookingId) {
        for (var marked : httpGet("/api/v1/admin/bookings/attention", ADMIN_KEY).json().get("bookings")) {
            if (marked.get("bookingId").asText().equals(bookingId)) {
                return marked.get("note").asText();
            }
        }
        return null;
    }

    private JsonNode sms(String bookingId) {
        JsonNode notifications = httpGet("/api/v1/bookings/" + bookingId + "/notifications").json().get("notifications");
        var sms = java.util.stream.StreamSupport.stream(notifications.spliterator(), false)
                .filter(n -> n.get("channel").asText().equals("SMS")).findFirst();
        assertThat(sms).as("the booking's SMS is logged").isPresent();
        return sms.get();
    }

    private double foundAfterLostAnswer() {
        return meters.counter("connectify.notifications.found.after.lost.answer", "channel", "SMS").count();
    }

    private double ambiguousAfterLostAnswer() {
        return meters.counter("connectify.notifications.lost.answer.ambiguous", "channel", "SMS").count();
    }

    @Test
    void aConfirmedBookingSendsALocalizedSmsAndEmailInTheCustomersTimeZone() {
        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        String sms = form(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(MESSAGES))).get(0).getBodyAsString())
                .get("Body");
        assertThat(sms).startsWith("Hallo John Doe, Ihr Termin am Dienstag, 1. Dezember 2026, 09:00 (60 Min.) ist bestätigt")
                .contains("90,00 CHF");
        assertThat(outsideGsm7(sms)).isEmpty();
        JsonNode mail = json(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(MAIL_SEND))).get(0).getBodyAsString());
        assertThat(mail.get("subject").asText()).isEqualTo("Ihr Termin am Dienstag, 1. Dezember 2026, 09:00 ist bestätigt");
        assertThat(mail.get("content").get(0).get("type").asText()).isEqualTo("text/html");
        assertThat(mail.get("personalizations").get(0).get("to").get(0).get("email").asText()).isEqualTo("john@example.com");
        var notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
        assertThat(notifications.findValuesAsText("channel")).containsExactlyInAnyOrder("SMS", "EMAIL");
        assertThat(notifications.findValuesAsText("kind")).containsOnly("confirmation");
    }

    @Test
    void theCustomersOwnTimeZoneAndLanguageAreUsed() {
        google.stub(post(urlPathEqualTo(io.connectify.hub.support.GoogleCalendarFake.EVENTS)).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.okJson(io.connectify.hub.support.GoogleCalendarFake
                        .eventJson("bkx", "x", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))));
        var booked = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"provider":"stripe",
                 "customer":{"name":"Ann Lee","email":"ann@example.com","phone":"+14155550100","locale":"en",
                             "timeZone":"America/New_York"}}""");
        String id = booked.json().get("id").asText();
        signedStripeWebhook(io.connectify.hub.support.StripeFake.event("evt_ny", "checkout.session.completed",
                io.connectify.hub.support.StripeFake.checkoutSession(id, "paid", "pi_ny")));

        // both sends awaited, so neither arrives at the fakes during the next test
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        String sms = form(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(MESSAGES))).get(0).getBodyAsString())
                .get("Body");
        assertThat(sms).startsWith("Hello Ann Lee, your appointment on Tuesday, December 1, 2026, 3:00 AM (60 min)");
        assertThat(outsideGsm7(sms)).isEmpty();
        JsonNode mail = json(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(MAIL_SEND))).get(0).getBodyAsString());
        assertThat(mail.get("subject").asText()).isEqualTo("Your appointment on Tuesday, December 1, 2026, 3:00 AM is confirmed");
    }

    @Test
    void signedStatusCallbacksAreRecordedOnTheBookingAndFailuresCounted() {
        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");
        // the email awaited too, so it does not arrive at the fakes during the next test
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        String sid = "SM" + "a".repeat(32);
        double failedBefore = failed("SMS", "undelivered", "delivery");

        Map<String, String> delivered = twilioStatus(sid, "delivered");
        Map<String, String> undelivered = twilioStatus(sid, "undelivered");
        undelivered.put("ErrorCode", "30003");
        NotifyBuilder recorded = new NotifyBuilder(camel).fromRoute(RECORDER).whenDone(3).create();
        assertThat(statusCallback(undelivered, NotificationFakes.signature(CALLBACK, undelivered)).status()).isEqualTo(200);
        // a late "delivered" never moves a final status back
        assertThat(statusCallback(delivered, NotificationFakes.signature(CALLBACK, delivered)).status()).isEqualTo(200);
        assertThat(statusCallback(undelivered, NotificationFakes.signature(CALLBACK, undelivered)).status()).isEqualTo(200);
        // recorded from the queue, in the order they came (one message's callbacks are one message group)
        assertThat(recorded.matches(15, TimeUnit.SECONDS)).isTrue();

        var sms = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications").findValues("channel");
        JsonNode notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
        JsonNode smsStatus = List.of(notifications.get(0), notifications.get(1)).stream()
                .filter(n -> n.get("channel").asText().equals("SMS")).findFirst().orElseThrow();
        assertThat(sms).isNotEmpty();
        assertThat(smsStatus.get("status").asText()).isEqualTo("undelivered");
        assertThat(smsStatus.get("errorCode").asText()).isEqualTo("30003");
        assertThat(failed("SMS", "undelivered", "delivery")
                - failedBefore).isEqualTo(1);
    }

    @Test
    void aStatusCallbackThatArrivesBeforeTheSidIsRecordedIsAppliedOnceItIs() {
        String early = "SM" + "c".repeat(32);
        Map<String, String> delivered = twilioStatus(early, "delivered");
        assertThat(statusCallback(delivered, NotificationFakes.signature(CALLBACK, delivered)).status()).isEqualTo(200);
        // recorded from the queue: parked until the SID is known
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM notification_callback WHERE provider_reference = :sid").param("sid", early)
                .query(Integer.class).single() == 1);
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.message(early))));

        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            JsonNode notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
            JsonNode sms = java.util.stream.StreamSupport.stream(notifications.spliterator(), false)
                    .filter(n -> n.get("channel").asText().equals("SMS")).findFirst().orElseThrow();
            assertThat(sms.get("status").asText()).isEqualTo("delivered");
        });
        // its email awaited too, so it does not arrive at the fakes during the next test
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND))));
    }

    @Test
    void aParkedStatusCallbackWhoseApplyingFailedAfterTheSendsCommitIsAppliedByTheSendsRedelivery() throws Exception {
        String sid = "SM" + "f".repeat(32);
        Notification n = new Notification(java.util.UUID.randomUUID().toString(), Notification.Channel.SMS,
                "+41791234567", null, "Hello", false, null, null, null);
        notificationLog.queued(n);
        // Twilio's callback came while the send's SID was not yet committed: parked
        notificationLog.status(sid, "undelivered", "30003");
        assertThat(parkedCallbacks(sid)).isEqualTo(1);
        // the send's commit (its look for parked callbacks before it found none)
        jdbc.sql("UPDATE notification SET provider_reference = :sid, status = 'sent' WHERE id = :id")
                .param("sid", sid).param("id", n.id()).update();
        double failedBefore = failed("SMS", "undelivered", "delivery");

        // its look after the commit fails: the notification's row held past the lock timeout
        whileRowsAreHeld("SELECT id FROM notification WHERE id = :id FOR UPDATE", Map.of("id", n.id()), () -> {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> notificationLog.applyParkedCallbacks(sid))
                    .satisfies(e -> assertThat(io.connectify.hub.resilience.DatabaseBusy.is(e)).isTrue());
            return null;
        });
        assertThat(notificationStatus(n)).isEqualTo("sent");
        assertThat(parkedCallbacks(sid)).as("kept for the next look").isEqualTo(1);

        // the send's message redelivered (its route failed): found sent, not sent again, the callback applied
        camel.createProducerTemplate().sendBody("direct:notification-queue", List.of(n));

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(notificationStatus(n)).isEqualTo("undelivered 30003"));
        assertThat(parkedCallbacks(sid)).isZero();
        assertThat(failed("SMS", "undelivered", "delivery") - failedBefore).isEqualTo(1);
        notify.twilio().verify(0, postRequestedFor(urlPathEqualTo(MESSAGES)));
    }

    private String notificationStatus(Notification n) {
        return jdbc.sql("SELECT status || COALESCE(' ' || error_code, '') FROM notification WHERE id = :id")
                .param("id", n.id()).query(String.class).single();
    }

    private int parkedCallbacks(String sid) {
        return jdbc.sql("SELECT COUNT(*) FROM notification_callback WHERE provider_reference = :sid")
                .param("sid", sid).query(Integer.class).single();
    }

    @Test
    void aStatusCallbackIsAcknowledgedWhileTheDatabaseCannotRecordItAndRecordedOnceItCan() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = confirmedStripeBooking("2026-12-01T09:00:00+01:00");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        String sid = "SM" + "a".repeat(32);
        Map<String, String> undelivered = twilioStatus(sid, "undelivered");
        undelivered.put("ErrorCode", "30005");

        // the notification's row held by another transaction for longer than the lock timeout: the database cannot
        // record the status, as while it is down. Twilio does not send a status callback again: it must get its
        // 200 all the same (it got 409 after the lock timeout, and the status was lost)
        whileRowsAreHeld("SELECT id FROM notification WHERE provider_reference = :sid FOR UPDATE",
                Map.of("sid", sid), () -> {
                    var request = request("/webhooks/twilio/status")
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .header("X-Twilio-Signature", NotificationFakes.signature(CALLBACK, undelivered))
                            .header("X-Correlation-Id", "tw-status-1");
                    var response = send(request.POST(HttpRequest.BodyPublishers.ofString(formBody(undelivered))), null);
                    assertThat(response.status()).as(response.body()).isEqualTo(200);
                    // the recorder's tries fail on the held row: a dead letter of a passing failure, with the
                    // headers the recorder reads carried through the queue, and the correlation id
                    JsonNode letter = awaitDeadLetter("twilio");
                    assertThat(letter.get("routeId").asText()).isEqualTo(RECORDER);
                    assertThat(letter.get("sourceQueue").asText()).isEqualTo("twilio-status");
                    assertThat(letter.has("retryAt")).as("replayed on its own").isTrue();
                    JsonNode headers = letter.get("headers");
                    assertThat(headers.get("MessageSid").asText()).isEqualTo(sid);
                    assertThat(headers.get("MessageStatus").asText()).isEqualTo("undelivered");
                    assertThat(headers.get("ErrorCode").asText()).isEqualTo("30005");
                    assertThat(headers.get("breadcrumbId").asText()).isEqualTo("tw-status-1");
                    return response;
                });
        assertThat(smsStatus(id)).isNotEqualTo("undelivered");

        // the database back: the dead letter's automatic replay records the status
        clock.advance(Duration.ofMinutes(1));
        assertThat(camel.createProducerTemplate().requestBody("direct:ops-dead-letter-auto-replay", null,
                Integer.class)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(smsStatus(id)).isEqualTo("undelivered"));
        assertThat(jdbc.sql("SELECT error_code FROM notification WHERE provider_reference = :sid").param("sid", sid)
                .query(String.class).single()).isEqualTo("30005");
    }

    @Test
    void aRepeatedStatusCallbackIsRecordedOnceAndCountedAsADuplicate() {
        confirmedStripeBooking("2026-12-01T09:00:00+01:00");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        String sid = "SM" + "a".repeat(32);
        Map<String, String> failed = twilioStatus(sid, "failed");
        failed.put("ErrorCode", "30008");
        double failedBefore = failed("SMS", "failed", "delivery");
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "twilio").count();
        NotifyBuilder recorded = new NotifyBuilder(camel).fromRoute(RECORDER).whenDone(2).create();

        assertThat(statusCallback(failed, NotificationFakes.signature(CALLBACK, failed)).status()).isEqualTo(200);
        assertThat(statusCallback(failed, NotificationFakes.signature(CALLBACK, failed)).status()).isEqualTo(200);

        assertThat(recorded.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(meters.counter("connectify.webhook.duplicates", "provider", "twilio").count() - duplicatesBefore)
                .isEqualTo(1);
        assertThat(failed("SMS", "failed", "delivery")
                - failedBefore).isEqualTo(1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key")
                .param("key", "twilio:" + sid + ":failed").query(Integer.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT status || ' ' || error_code FROM notification WHERE provider_reference = :sid")
                .param("sid", sid).query(String.class).single()).isEqualTo("failed 30008");
    }

    private String smsStatus(String bookingId) {
        JsonNode notifications = httpGet("/api/v1/bookings/" + bookingId + "/notifications").json().get("notifications");
        return java.util.stream.StreamSupport.stream(notifications.spliterator(), false)
                .filter(n -> n.get("channel").asText().equals("SMS")).findFirst().orElseThrow().get("status").asText();
    }

    @Test
    void forgedStatusCallbacksAreRejected() {
        Map<String, String> params = twilioStatus("SM" + "b".repeat(32), "delivered");
        String valid = NotificationFakes.signature(CALLBACK, params);

        Map<String, String> tampered = new LinkedHashMap<>(params);
        tampered.put("MessageStatus", "failed");
        double badSignature = rejected("bad-signature");
        double missingHeader = rejected("missing-header");
        for (var response : List.of(
                statusCallback(tampered, valid),
                statusCallback(params, NotificationFakes.signature("http://127.0.0.1:" + port + "/webhooks/twilio/status",
                        params)),
                statusCallback(params, null))) {
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.json().get("type").asText()).isEqualTo("invalid-signature");
        }
        assertThat(rejected("bad-signature")).isEqualTo(badSignature + 2);
        assertThat(rejected("missing-header")).isEqualTo(missingHeader + 1);
        var accepted = statusCallback(params, valid);
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    }

    private double rejected(String reason) {
        return meters.counter("connectify.webhook.rejected", "provider", "twilio", "reason", reason).count();
    }

    @Test
    void queuedNotificationsAreThrottledToTheConfiguredRatePerChannel() throws Exception {
        // test profile: 5 per 1000 ms per channel; 6 confirmed bookings queue 6 SMS and 6 emails, which wait in their
        // queues until the senders start and then all compete for their channel's throttle at once
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        stopNotificationSenders();
        long started;
        try {
            for (int day = 1; day <= 3; day++) {
                for (String time : new String[] {"09:00", "13:00"}) {
                    confirmedStripeBooking("2026-12-0" + day + "T" + time + ":00+01:00");
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> notificationsWaiting() == 12);
            assertThat(sentTimes(MESSAGES)).isEmpty();
            assertThat(sentTimes(MAIL_SEND)).isEmpty();
            started = System.currentTimeMillis();
        } finally {
            startNotificationSenders();
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(sentTimes(MESSAGES)).hasSize(6);
            assertThat(sentTimes(MAIL_SEND)).hasSize(6);
        });
        // each channel's throttle lets a send through only once it holds one of 5 permits, each back a period after
        // its use: whatever the delays, at most 5 of a channel's sends reach its provider in the first period after
        // the start (unthrottled, all 6 are sent in a fraction of that)
        for (var provider : List.of(notify.twilio(), notify.sendGrid())) {
            String path = provider == notify.twilio() ? MESSAGES : MAIL_SEND;
            assertThat(sentTimes(path).stream().filter(t -> t < started + 1000)).as("%s in the first period", path)
                    .hasSizeLessThanOrEqualTo(5);
        }
    }

    /** When the SMS or emails (by the fake's path) reached their provider, in order. */
    private List<Long> sentTimes(String path) {
        var provider = MESSAGES.equals(path) ? notify.twilio() : notify.sendGrid();
        return provider.findAll(postRequestedFor(urlPathEqualTo(path))).stream()
                .map(r -> r.getLoggedDate().getTime()).sorted().toList();
    }

    private Response statusCallback(Map<String, String> params, String signature) {
        String body = formBody(params);
        var request = request("/webhooks/twilio/status").header("Content-Type", "application/x-www-form-urlencoded");
        if (signature != null) {
            request.header("X-Twilio-Signature", signature);
        }
        return send(request.POST(HttpRequest.BodyPublishers.ofString(body)), null);
    }

    private static String formBody(Map<String, String> params) {
        return params.entrySet().stream().map(e -> e.getKey() + "="
                + java.net.URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    private static Map<String, String> form(String body) {
        return Arrays.stream(body.split("&")).map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p -> p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "", (a, b) -> b));
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The characters of an SMS outside GSM 03.38's alphabet and its extension table: one of them (a locale's no-break
     * space, say) and Twilio sends the whole message as UCS-2, in 70-character segments instead of 160.
     */
    static List<String> outsideGsm7(String sms) {
        String gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
                + "abcdefghijklmnopqrstuvwxyzäöñüà" + "^{}\\[~]|€";
        return sms.codePoints().filter(c -> gsm7.indexOf(c) < 0).mapToObj(Character::toString).toList();
    }

    /**
     * An SMS to +41791234567 with {@code body} posted, whose lost answer the lookup could not settle: logged as not
     * sent again.
     */
    private Response smsNotSentAgainAfterAFailedLookup(String body) {
        try (LogLines lines = LogLines.of(io.connectify.hub.resilience.ProviderCalls.class)) {
            Response response = httpPost("/api/v1/notifications/sms",
                    "{\"to\":\"+41791234567\",\"body\":\"" + body + "\"}");
            assertThat(lines.lines()).anySatisfy(line -> assertThat(line.getFormattedMessage())
                    .contains("looking for what it did failed").contains("not sending again"));
            return response;
        }
    }
}
