package io.connectify.hub.payment.payrexx;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.webhook.WebhookAudit;
import io.connectify.hub.webhook.WebhookHeaders;
import io.connectify.hub.webhook.WebhookMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * Payrexx signs no webhooks: a delivery is accepted only on the secret token of the configured URL (compared in
 * constant time; a wrong one answers 404 as if nothing were there), and only the transaction id and claimed status
 * are taken from it. What the booking saga acts on is the transaction fetched back from the Payrexx API later.
 * Both content types Payrexx sends are read: form ("Normal (PHP-Post)", bracketed keys) and JSON. A
 * {@link Processor}, as the Stripe verifier is: the route calls it without Camel's bean binding.
 */
@Component("payrexxWebhookReader")
public class PayrexxWebhookReader implements Processor {

    private static final Logger log = LoggerFactory.getLogger(PayrexxWebhookReader.class);

    private final PayrexxConnection connection;
    private final WebhookMetrics metrics;
    private final WebhookAudit audit;
    private final ObjectMapper json;

    public PayrexxWebhookReader(PayrexxConnection connection, WebhookMetrics metrics, WebhookAudit audit,
                                ObjectMapper json) {
        this.connection = connection;
        this.metrics = metrics;
        this.audit = audit;
        this.json = json;
    }

    @Override
    public void process(Exchange exchange) {
        var message = exchange.getMessage();
        String token = message.getHeader("token", String.class);
        String contentType = message.getHeader(Exchange.CONTENT_TYPE, String.class);
        String body = message.getBody(String.class);
        if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                connection.webhookToken().getBytes(StandardCharsets.UTF_8))) {
            metrics.rejected(PayrexxConfig.PROVIDER, WebhookMetrics.BAD_TOKEN);
            audit.rejected(PayrexxConfig.PROVIDER, exchange);
            log.warn("Payrexx webhook with a wrong path token rejected");
            throw new NotFoundException("No resource at this path");
        }
        String id;
        String status;
        try {
            Map<String, String> fields = isJson(contentType) ? fromJson(body) : fromForm(body, exchange);
            id = fields.get("id");
            status = fields.getOrDefault("status", "");
            if (id == null || !id.matches("[0-9]{1,18}") || !status.matches("[a-z_\\-]{1,40}")) {
                throw new ValidationException("The webhook names no Payrexx transaction");
            }
        } catch (ValidationException unreadable) {
            throw refused(exchange, unreadable);
        }
        CorrelationId.keepOnlyItsHeader(message);
        asDelivery(message, Long.parseLong(id), status);
    }

    /**
     * A delivery with the right token whose body names no transaction (empty, not JSON, no status, a broken form):
     * counted ({@value WebhookMetrics#NOT_A_TRANSACTION}), audited with that outcome and logged, as Stripe's
     * unreadable event is, neither its body nor its token; still the sender's 400. Before, it was refused unseen: no
     * metric, no audit row, no log line, so a Payrexx that changed its format went unnoticed.
     */
    private ValidationException refused(Exchange exchange, ValidationException why) {
        metrics.rejected(PayrexxConfig.PROVIDER, WebhookMetrics.NOT_A_TRANSACTION);
        audit.unreadable(PayrexxConfig.PROVIDER, WebhookMetrics.NOT_A_TRANSACTION, exchange);
        log.warn("Payrexx webhook refused: {}", why.getMessage());
        return why;
    }

    /**
     * The message as a queued delivery of the transaction with that status (headers and body), as the dispatch reads
     * it; also what the refund watch queues for a delivery that never came.
     */
    static void asDelivery(Message message, long id, String status) {
        message.setHeader(WebhookHeaders.PROVIDER, PayrexxConfig.PROVIDER);
        // Payrexx sends no event id: a transaction's status is what happened, so it is the dedupe key
        message.setHeader(WebhookHeaders.EVENT_KEY, "payrexx:" + id + ":" + status);
        message.setHeader(WebhookHeaders.EVENT_TYPE, "transaction." + status); // the status it claims (audit)
        message.setHeader(WebhookHeaders.TRANSACTION_ID, id);
        message.setHeader(WebhookHeaders.ORDER_GROUP, "payrexx:" + id);
        message.setBody("{\"transactionId\":" + id + ",\"claimedStatus\":\"" + status + "\"}");
    }

    /**
     * Whether the delivery is JSON: media types are case-insensitive (RFC 9110), so Application/JSON is. Before,
     * only a type starting with the lower-case "application/json" was, and a JSON body in another case was read as a
     * form (400). Anything else, unreadable as a type too, is read as a form, as before.
     */
    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        try {
            return MediaType.APPLICATION_JSON.equalsTypeAndSubtype(MediaType.parseMediaType(contentType));
        } catch (InvalidMediaTypeException unreadable) {
            return false;
        }
    }

    private static void putIfPresent(Map<String, String> fields, String key, String value) {
        if (value != null) {
            fields.put(key, value);
        }
    }

    private Map<String, String> fromJson(String body) {
        if (body == null || body.isBlank()) {
            // Jackson refuses a null content (IllegalArgumentException): before, answered 500 with a stack trace
            throw new ValidationException("Request body is empty");
        }
        try {
            JsonNode t = json.readTree(body).path("transaction");
            Map<String, String> fields = new HashMap<>();
            if (t.hasNonNull("id")) {
                fields.put("id", t.path("id").asText());
            }
            fields.put("status", t.path("status").asText(""));
            return fields;
        } catch (java.io.IOException e) {
            throw new ValidationException("Request body is not valid JSON");
        }
    }

    private static Map<String, String> fromForm(String body, Exchange exchange) {
        Map<String, String> fields = new HashMap<>();
        if (exchange.getMessage().getHeader("transaction[id]") != null || body == null) {
            // Camel's HTTP binding has parsed the form already: the fields are headers, the body a map
            putIfPresent(fields, "id", exchange.getMessage().getHeader("transaction[id]", String.class));
            putIfPresent(fields, "status", exchange.getMessage().getHeader("transaction[status]", String.class));
            return fields;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key;
            String value;
            try {
                key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException badEscape) {
                // a form Camel's binding left unparsed (its type in another case): FormBodyFilter did not check it
                throw new ValidationException("The form body has a broken percent-encoding");
            }
            if (key.equals("transaction[id]")) {
                fields.put("id", value);
            } else if (key.equals("transaction[status]")) {
                fields.put("status", value);
            }
        }
        return fields;
    }
}
