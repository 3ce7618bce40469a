package io.connectify.hub.notification;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import com.twilio.security.RequestValidator;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.resilience.InvalidSignatureException;
import io.connectify.hub.webhook.WebhookAudit;
import io.connectify.hub.webhook.WebhookHeaders;
import io.connectify.hub.webhook.WebhookMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * Verifies Twilio's {@code X-Twilio-Signature} with twilio-java's {@link RequestValidator} over the callback URL as
 * Twilio called it (the configured public URL, not what a proxy hands the hub) and every POST parameter received.
 * Then it keeps MessageSid, MessageStatus and ErrorCode (JMS-legal header names: they travel through the queue to
 * the recorder), keyed for deduplication and grouped by message, so a message's callbacks are recorded in the order
 * they came.
 */
@Component("twilioStatusCallbacks")
public class TwilioStatusCallbacks {

    private final TwilioConnection connection;
    private final WebhookMetrics metrics;
    private final WebhookAudit audit;

    public TwilioStatusCallbacks(TwilioConnection connection, WebhookMetrics metrics, WebhookAudit audit) {
        this.connection = connection;
        this.metrics = metrics;
        this.audit = audit;
    }

    public void verify(@Header("X-Twilio-Signature") String signature, Exchange exchange) {
        Map<String, String> params = new TreeMap<>();
        // Camel's Spring Boot HTTP binding hands a form POST over as a map of its parameters, values still
        // URL-encoded; the signature is over the decoded values
        if (exchange.getIn().getBody() instanceof Map<?, ?> form) {
            form.forEach((name, value) -> params.put(decode(name), decode(value)));
        }
        if (signature == null || !new RequestValidator(connection.authToken())
                .validate(connection.statusCallbackUrl(), params, signature)) {
            metrics.rejected(NotificationConfig.TWILIO,
                    signature == null ? WebhookMetrics.MISSING_HEADER : WebhookMetrics.BAD_SIGNATURE);
            audit.rejected(NotificationConfig.TWILIO, exchange);
            throw new InvalidSignatureException("X-Twilio-Signature does not verify");
        }
        String sid = params.getOrDefault("MessageSid", "");
        String status = params.getOrDefault("MessageStatus", "");
        if (!sid.matches("(SM|MM)[0-9a-fA-F]{32}") || !status.matches("[a-z_]{1,20}")) {
            throw new io.connectify.hub.resilience.ValidationException("Not a Twilio message status callback");
        }
        var message = exchange.getMessage();
        CorrelationId.keepOnlyItsHeader(message);
        message.setHeader(WebhookHeaders.PROVIDER, NotificationConfig.TWILIO);
        message.setHeader(WebhookHeaders.EVENT_KEY, "twilio:" + sid + ":" + status);
        message.setHeader(WebhookHeaders.EVENT_TYPE, "message." + status);
        message.setHeader("MessageSid", sid);
        message.setHeader("MessageStatus", status);
        message.setHeader("ErrorCode", params.get("ErrorCode"));
        message.setHeader(WebhookHeaders.ORDER_GROUP, "twilio:" + sid);
        // what a dead letter of it shows (both checked above); the recorder reads the headers
        message.setBody("{\"messageSid\":\"" + sid + "\",\"messageStatus\":\"" + status + "\"}");
    }

    private static String decode(Object value) {
        return value == null ? "" : URLDecoder.decode(String.valueOf(value), StandardCharsets.UTF_8);
    }
}
