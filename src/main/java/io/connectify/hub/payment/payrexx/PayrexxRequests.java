package io.connectify.hub.payment.payrexx;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.booking.Booking;
import io.connectify.hub.notification.NotificationTemplates;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.payment.PaymentLink;
import io.connectify.hub.payment.PaymentPage;
import io.connectify.hub.payment.RedirectUrls;
import io.connectify.hub.payment.payrexx.PayrexxCommands.Gateway;
import io.connectify.hub.payment.payrexx.PayrexxCommands.GatewayRequest;
import io.connectify.hub.payment.payrexx.PayrexxCommands.TransactionRefund;
import io.connectify.hub.payment.payrexx.PayrexxCommands.RefundCommand;
import io.connectify.hub.payment.payrexx.PayrexxCommands.Transaction;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.ValidationException;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * Builds Payrexx API requests as camel-http messages (path, query with {@code instance}, form body, and the
 * {@code X-API-KEY} header or the legacy {@code ApiSignature} parameter) and reads Payrexx's answers
 * ({@code {"status":"success","data":[...]}}). Mapping per design.md: description -> purpose, metadata -> fields.
 */
@Component("payrexxRequests")
public class PayrexxRequests {

    private final PayrexxConnection connection;
    private final PayrexxProperties properties;
    private final ObjectMapper json;
    private final NotificationTemplates texts;

    public PayrexxRequests(PayrexxConnection connection, PayrexxProperties properties, ObjectMapper json,
                           NotificationTemplates texts) {
        this.connection = connection;
        this.properties = properties;
        this.json = json;
        this.texts = texts;
    }

    /**
     * The gateway of a booking: its amount and purpose (its summary in the customer's language, as Stripe's line item:
     * {@link NotificationTemplates#summary}), referenceId = booking id, payer fields. It closes by itself
     * once the booking's hold has run out, should the hub fail to close it then (the customer still cannot pay on it
     * for long); a payment made on it meanwhile is refunded, as any payment that pays for nothing.
     */
    public GatewayRequest forBooking(@Body Booking b) {
        String[] names = b.customer().name().trim().split("\\s+", 2);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("email", b.customer().email());
        fields.put("forename", names[0]);
        if (names.length > 1) {
            fields.put("surname", names[1]);
        }
        return new GatewayRequest(b.amount(), b.currency(), texts.summary(b), b.id(), fields, validity(b), null, null,
                null);
    }

    /**
     * Whole minutes from the booking's reservation until its hold runs out, rounded up; none for a booking without a
     * hold. Both are the database's times (the bookings' clock): a gateway is made for a booking just reserved, its
     * reservation's time read once for the request, so the page lasts the hold stored. Counted from the instance's
     * own clock, one running ahead of the database's closed the page that much before the hold ended.
     */
    private Integer validity(Booking b) {
        if (b.holdExpiresAt() == null || b.createdAt() == null) {
            return null;
        }
        long seconds = Duration.between(b.createdAt(), b.holdExpiresAt()).toSeconds();
        return (int) Math.min(PayrexxCommands.MAX_VALIDITY_MINUTES, Math.max(1, (seconds + 59) / 60));
    }

    public void createGateway(@Body GatewayRequest r, Exchange exchange) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("amount", Long.toString(r.amount()));
        params.put("currency", r.currency());
        params.put("purpose", r.purpose());
        if (r.referenceId() != null) {
            params.put("referenceId", r.referenceId());
        }
        putIfPresent(params, "successRedirectUrl",
                RedirectUrls.callersOrBookings(r.successUrl(), properties.successUrl(), r.referenceId()));
        putIfPresent(params, "failedRedirectUrl",
                RedirectUrls.callersOrBookings(r.failedUrl(), properties.failedUrl(), r.referenceId()));
        putIfPresent(params, "cancelRedirectUrl",
                RedirectUrls.callersOrBookings(r.cancelUrl(), properties.cancelUrl(), r.referenceId()));
        if (r.validity() != null) {
            params.put("validity", r.validity().toString());
        }
        if (r.fields() != null) {
            r.fields().forEach((name, value) -> params.put("fields[" + name + "][value]", value));
        }
        request(exchange, "POST", "Gateway/", params);
    }

    public void getGateway(@Body Long gatewayId, Exchange exchange) {
        request(exchange, "GET", "Gateway/" + gatewayId + "/", Map.of());
    }

    public void deleteGateway(@Body Long gatewayId, Exchange exchange) {
        request(exchange, "DELETE", "Gateway/" + gatewayId + "/", Map.of());
    }

    public void getTransaction(@Body Long transactionId, Exchange exchange) {
        request(exchange, "GET", "Transaction/" + transactionId + "/", Map.of());
    }

    public void refundTransaction(@Body RefundCommand c, Exchange exchange) {
        Map<String, String> params = c.amount() == null ? Map.of() : Map.of("amount", Long.toString(c.amount()));
        exchange.setProperty(PayrexxRefundLookup.REFUND, c); // what a lost answer's lookup compares Payrexx's with
        request(exchange, "POST", "Transaction/" + c.transactionId() + "/refund", params);
    }

    public RefundCommand forBookingRefund(@Body Booking b, @org.apache.camel.Header("refundAmount") Long amount) {
        return new RefundCommand(Long.parseLong(b.paymentReference()), amount);
    }

    /**
     * How much of a transaction Payrexx has refunded, as far as its status tells: all of it once {@code refunded}.
     * A partial refund's amount is not in the transaction as the hub reads it, so {@code partially-refunded} counts
     * as none here: never taken for a refund in full (the webhook marks it on its confirmed booking).
     */
    public long refundedAmount(@Body Transaction t) {
        return "refunded".equals(t.status()) ? t.amount() : 0;
    }

    public PaymentLink readGateway(@Body String answer) {
        JsonNode gateway = data(answer);
        return new PaymentLink(PayrexxConfig.PROVIDER, gateway.path("id").asText(), gateway.path("link").asText());
    }

    public Gateway readGatewayState(@Body String answer) {
        JsonNode g = data(answer);
        return new Gateway(g.path("id").asLong(), g.path("status").asText(), g.path("referenceId").asText(null),
                g.path("amount").asLong(), g.path("currency").asText(null), g.path("link").asText(null));
    }

    public PaymentPage readDeletedGateway(@Body String answer) {
        return new PaymentPage(PayrexxConfig.PROVIDER, data(answer).path("id").asText(), "deleted");
    }

    /**
     * Payrexx's answer to a refund. One without data ({@code "status":"error"}, which Payrexx also sends with HTTP
     * 200) is a refusal, as a 4xx is: no refund was made, so the booking's refund stays pending (and the refund
     * made already, should that be why, is looked up at Payrexx). Made: the transaction's status as Payrexx answers
     * it, with the amount asked.
     */
    public TransactionRefund readRefund(@Body String answer, Exchange exchange) {
        RefundCommand asked = exchange.getProperty(PayrexxRefundLookup.REFUND, RefundCommand.class);
        try {
            JsonNode refunded = data(answer);
            return new TransactionRefund(asked.transactionId(), refunded.path("status").asText(null), asked.amount());
        } catch (ProviderException refused) {
            if (refused.kind() == ProviderException.Kind.REJECTED) {
                throw new ValidationException("Payrexx refused the refund");
            }
            throw refused;
        }
    }

    public Transaction readTransaction(@Body String answer) {
        JsonNode t = data(answer);
        JsonNode invoice = t.path("invoice");
        String reference = t.path("referenceId").asText(invoice.path("referenceId").asText(null));
        long amount = invoice.path("totalAmount").asLong(t.path("amount").asLong());
        return new Transaction(t.path("id").asLong(), t.path("uuid").asText(null), t.path("status").asText(),
                reference, amount, invoice.path("currencyAlpha3").asText(t.path("currency").asText(null)),
                pageId(invoice.path("paymentRequestId")));
    }

    /** The Gateway a transaction was made on (a number, or its digits as text); null when none is named. */
    private static Long pageId(JsonNode paymentRequestId) {
        long id = paymentRequestId.isIntegralNumber() ? paymentRequestId.asLong()
                : paymentRequestId.asText("").matches("[0-9]{1,18}") ? Long.parseLong(paymentRequestId.asText()) : 0;
        return id > 0 ? id : null;
    }

    private void request(Exchange exchange, String method, String path, Map<String, String> params) {
        var message = exchange.getMessage();
        // only what Payrexx needs goes out: never the caller's headers
        CorrelationId.keepOnlyItForAProviderRequest(exchange);
        message.setHeader(Exchange.HTTP_METHOD, method);
        message.setHeader(Exchange.HTTP_PATH, path);
        String encoded = PayrexxSignature.encode(params);
        String query = "instance=" + connection.instance();
        if (connection.useApiKeyHeader()) {
            message.setHeader("X-API-KEY", connection.apiKey());
        } else {
            query += "&ApiSignature=" + java.net.URLEncoder.encode(PayrexxSignature.sign(encoded, connection.apiKey()),
                    java.nio.charset.StandardCharsets.UTF_8);
        }
        if (method.equals("GET") || method.equals("DELETE")) {
            message.setHeader(Exchange.HTTP_QUERY, encoded.isEmpty() ? query : query + "&" + encoded);
            message.setBody(null);
        } else {
            message.setHeader(Exchange.HTTP_QUERY, query);
            message.setHeader(Exchange.CONTENT_TYPE, "application/x-www-form-urlencoded");
            message.setBody(encoded);
        }
    }

    private JsonNode data(String answer) {
        try {
            JsonNode root = json.readTree(answer);
            JsonNode data = root.path("data");
            JsonNode first = data.isArray() ? data.path(0) : data;
            if (!"success".equals(root.path("status").asText()) || first.isMissingNode()) {
                throw new ProviderException(PayrexxConfig.PROVIDER, ProviderException.Kind.REJECTED,
                        "Payrexx answered without data");
            }
            return first;
        } catch (java.io.IOException e) {
            throw new ProviderException(PayrexxConfig.PROVIDER, ProviderException.Kind.UNAVAILABLE,
                    "Payrexx answered something that is not JSON");
        }
    }

    private static void putIfPresent(Map<String, String> params, String name, String value) {
        if (value != null) {
            params.put(name, value);
        }
    }
}
