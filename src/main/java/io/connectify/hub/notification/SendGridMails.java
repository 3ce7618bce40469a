package io.connectify.hub.notification;

import java.net.IDN;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.ops.CorrelationId;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * A canonical email as a Twilio SendGrid v3 {@code POST /v3/mail/send} request (personalizations.to, from,
 * subject, content with {@code text/html} or {@code text/plain} by {@code html}); the answer is 202 with the
 * message id in {@code X-Message-Id}.
 */
@Component("sendGridMails")
public class SendGridMails {

    private final SendGridConnection connection;
    private final SendGridProperties properties;
    private final ObjectMapper json;

    public SendGridMails(SendGridConnection connection, SendGridProperties properties, ObjectMapper json) {
        this.connection = connection;
        this.properties = properties;
        this.json = json;
    }

    public void prepare(@Body Notification email, Exchange exchange) throws JsonProcessingException {
        var message = exchange.getMessage();
        CorrelationId.keepOnlyItForAProviderRequest(exchange);
        message.setHeader(Exchange.HTTP_METHOD, "POST");
        message.setHeader(Exchange.HTTP_PATH, "v3/mail/send");
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader("Authorization", "Bearer " + connection.apiKey());
        message.setBody(json.writeValueAsString(Map.of(
                "personalizations", List.of(Map.of("to", List.of(Map.of("email", asciiDomain(email.to()))))),
                "from", Map.of("email", asciiDomain(properties.fromEmail()), "name", properties.fromName()),
                "subject", email.subject(),
                "content", List.of(Map.of("type", email.html() ? "text/html" : "text/plain", "value", email.body())))));
        exchange.setProperty("notificationId", email.id());
    }

    /**
     * The address with its domain as ASCII (IDNA's punycode: "hans@bücher.ch" is "hans@xn--bcher-kva.ch"), as SendGrid
     * takes it (its {@code email} fields are ASCII). The local part is ASCII already ({@code DeliverableEmail}: one
     * that is not needs SMTPUTF8, which the hub cannot count on). The address is stored and shown as it was given.
     * Before, it went to SendGrid as given, and the customer got no email.
     */
    static String asciiDomain(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at + 1) + IDN.toASCII(address.substring(at + 1));
    }

    public SentNotification read(@Header("X-Message-Id") String messageId, Exchange exchange) {
        return new SentNotification(exchange.getProperty("notificationId", String.class), "EMAIL", messageId, "accepted");
    }
}
