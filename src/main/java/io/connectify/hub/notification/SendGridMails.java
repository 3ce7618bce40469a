package io.connectify.hub.notification;

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
                "personalizations", List.of(Map.of("to", List.of(Map.of("email", email.to())))),
                "from", Map.of("email", properties.fromEmail(), "name", properties.fromName()),
                "subject", email.subject(),
                "content", List.of(Map.of("type", email.html() ? "text/html" : "text/plain", "value", email.body())))));
        exchange.setProperty("notificationId", email.id());
    }

    public SentNotification read(@Header("X-Message-Id") String messageId, Exchange exchange) {
        return new SentNotification(exchange.getProperty("notificationId", String.class), "EMAIL", messageId, "accepted");
    }
}
