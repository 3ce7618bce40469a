package io.connectify.hub.payment.stripe;

import static java.util.Objects.requireNonNullElse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The fields of a Stripe event the booking saga acts on: the event's id and type, and of its {@code data.object}
 * (a Checkout Session, a Payment Intent, a Refund, a Dispute or a Charge) the object's kind and id, the booking it
 * names, its status, its amounts (a Charge's: charged and refunded) and their currency, why its last payment
 * attempt (or the refund) failed or why the payment is disputed, and the hub's mark in its metadata (a refund the hub
 * made), and when Stripe created the event (its {@code created}, epoch seconds). A field that is absent or null is
 * null here.
 * <p>
 * Read in one pass with Jackson's streaming parser, skipping everything else, rather than as a tree of the whole
 * event: the tree cost a webhook's request thread 5.5% of its time with the benchmark's 231-byte events
 * (bench/RESULTS.md), and Stripe's real events carry ten times as many fields, none of which the hub reads.
 */
record StripeEventFields(String id, String type, String objectKind, String objectId, String bookingId,
                         String clientReferenceId, String paymentStatus, String status, String paymentIntent,
                         Long amount, Long amountReceived, Long amountTotal, Long amountRefunded, String currency,
                         String errorCode,
                         String declineCode, String failureReason, String reason, String mark, Long created) {

    /** The booking the event names: its metadata's bookingId, else its client_reference_id; "" if neither. */
    String booking() {
        return requireNonNullElse(bookingId, requireNonNullElse(clientReferenceId, ""));
    }

    /** A Checkout Session's payment_status, else the object's status; "" if neither. */
    String paymentState() {
        return requireNonNullElse(paymentStatus, requireNonNullElse(status, ""));
    }

    /**
     * What made a Refund, by the hub's mark in its metadata (StripeCommands.REFUND_MARK: {@code booking} or
     * {@code api}); "" for a refund without it (made by hand in the dashboard, or by the hub before it marked its
     * refunds) and for another object.
     */
    String refundMark() {
        return "refund".equals(objectKind) ? requireNonNullElse(mark, "") : "";
    }

    /** A Refund's id (refund.* and charge.refund.updated events carry the Refund); "" for another object. */
    String refundReference() {
        return "refund".equals(objectKind) ? requireNonNullElse(objectId, "") : "";
    }

    boolean isPaymentIntent() {
        return "payment_intent".equals(objectKind);
    }

    /** The Payment Intent's id: the object's own, or the Checkout Session's payment_intent; "" if none. */
    String paymentReference() {
        return requireNonNullElse(isPaymentIntent() ? objectId : paymentIntent, "");
    }

    boolean isCharge() {
        return "charge".equals(objectKind);
    }

    /**
     * What was paid, in minor units: a Payment Intent's amount_received (else amount), a Charge's amount, a Session's
     * amount_total.
     */
    long paidAmount() {
        Long paid = isPaymentIntent() ? (amountReceived != null ? amountReceived : amount)
                : isCharge() ? amount : amountTotal;
        return paid != null ? paid : 0;
    }

    /**
     * The currency of the object's amounts in ISO 4217 upper case (Stripe writes it lower case); "" if absent. A
     * Checkout Session and a Payment Intent always carry it.
     */
    String paidCurrency() {
        return currency == null ? "" : currency.strip().toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * How much of a Charge Stripe shows refunded, in minor units (its amount_refunded: every refund of it, the hub's
     * and any made by hand; charge.refunded carries the Charge); null for another object. The Charge's list of
     * refunds is not read: API versions from 2022-11-15 on leave it out of the event.
     */
    Long refundedAmount() {
        return isCharge() ? amountRefunded : null;
    }

    /** How much of its payment a Dispute takes back, in minor units (its amount); null for another object. */
    Long disputedAmount() {
        return "dispute".equals(objectKind) ? amount : null;
    }

    /**
     * Why a Payment Intent's last attempt failed: its last_payment_error's decline_code (the card issuer's reason),
     * else its code; why a refund failed: its failure_reason; why a payment is disputed: the dispute's reason (a
     * refund's own reason, why it was asked for, is no error); "" if none.
     */
    String paymentError() {
        if ("dispute".equals(objectKind)) {
            return requireNonNullElse(reason, "");
        }
        return requireNonNullElse(declineCode, requireNonNullElse(errorCode, requireNonNullElse(failureReason, "")));
    }

    /** Reads them; an exception when the body is not a JSON object. */
    static StripeEventFields read(JsonFactory json, String body) throws IOException {
        try (JsonParser parser = json.createParser(body)) {
            return read(parser);
        }
    }

    /**
     * Reads them from the body's bytes (UTF-8), where they lie: no text of the whole body made to be parsed (its
     * copy, and Jackson's of that into characters). With the answer of {@link #read(JsonFactory, String)} on the
     * body decoded as UTF-8, which the bytes would not always give alone: Jackson takes bytes with a byte-order mark
     * or zeros among the first four as UTF-16 or UTF-32, and refuses malformed UTF-8 that decoding replaces, so such
     * a body is read as that text.
     */
    static StripeEventFields read(JsonFactory json, byte[] body) throws IOException {
        if (plainUtf8Start(body)) {
            try (JsonParser parser = json.createParser(body)) {
                return read(parser);
            } catch (IOException notReadAsBytes) {
                // read as the text below, which answers as before (an event with malformed UTF-8, or no event)
            }
        }
        return read(json, new String(body, StandardCharsets.UTF_8));
    }

    /**
     * Reads them from a queued event's body: its UTF-8 bytes (a BytesMessage, as the webhook inbox forwards it) or its
     * text (a TextMessage, queued before or by hand); an exception when the body is no JSON object.
     */
    static StripeEventFields readQueued(JsonFactory json, Object body) throws IOException {
        if (body instanceof byte[] utf8) {
            return read(json, utf8);
        }
        if (body instanceof String text) {
            return read(json, text);
        }
        throw new IOException("Not a queued event's body: " + (body == null ? "none" : body.getClass().getName()));
    }

    /** Whether Jackson reads these bytes as UTF-8 without a byte-order mark, as the text's decoding does. */
    private static boolean plainUtf8Start(byte[] body) {
        if (body.length < 4 || (body[0] & 0xFF) >= 0xEF) { // 0xEF, 0xFE, 0xFF: how the byte-order marks begin
            return false;
        }
        for (int i = 0; i < 4; i++) {
            if (body[i] == 0) {
                return false;
            }
        }
        return true;
    }

    private static StripeEventFields read(JsonParser parser) throws IOException {
        Builder fields = new Builder();
        JsonToken root = parser.nextToken();
        if (root != JsonToken.START_OBJECT) {
            throw new IOException("Not a JSON object: " + root);
        }
        eachField(parser, root, (name, value) -> {
            switch (name) {
                case "id" -> fields.id = text(parser, value);
                case "type" -> fields.type = text(parser, value);
                case "created" -> fields.created = number(parser, value);
                case "data" -> eachField(parser, value, (dataName, dataValue) -> {
                    if (dataName.equals("object")) {
                        eachField(parser, dataValue, (objectName, objectValue) ->
                                readObjectField(parser, objectName, objectValue, fields));
                    } else {
                        parser.skipChildren();
                    }
                });
                default -> parser.skipChildren();
            }
        });
        return fields.build();
    }

    private static void readObjectField(JsonParser parser, String name, JsonToken value, Builder fields)
            throws IOException {
        switch (name) {
            case "object" -> fields.objectKind = text(parser, value);
            case "id" -> fields.objectId = text(parser, value);
            case "client_reference_id" -> fields.clientReferenceId = text(parser, value);
            case "payment_status" -> fields.paymentStatus = text(parser, value);
            case "status" -> fields.status = text(parser, value);
            case "payment_intent" -> fields.paymentIntent = text(parser, value);
            case "amount" -> fields.amount = number(parser, value);
            case "amount_received" -> fields.amountReceived = number(parser, value);
            case "amount_total" -> fields.amountTotal = number(parser, value);
            case "amount_refunded" -> fields.amountRefunded = number(parser, value);
            case "currency" -> fields.currency = text(parser, value);
            case "failure_reason" -> fields.failureReason = text(parser, value);
            case "reason" -> fields.reason = text(parser, value);
            case "last_payment_error" -> eachField(parser, value, (errorName, errorValue) -> {
                switch (errorName) {
                    case "code" -> fields.errorCode = text(parser, errorValue);
                    case "decline_code" -> fields.declineCode = text(parser, errorValue);
                    default -> parser.skipChildren();
                }
            });
            case "metadata" -> eachField(parser, value, (key, keyValue) -> {
                if (key.equals("bookingId")) {
                    fields.bookingId = text(parser, keyValue);
                } else if (key.equals(StripeCommands.REFUND_MARK)) {
                    fields.mark = text(parser, keyValue);
                } else {
                    parser.skipChildren();
                }
            });
            default -> parser.skipChildren();
        }
    }

    /** What is done with one field's value; it reads the value or skips it. */
    @FunctionalInterface
    private interface FieldReader {
        void read(String name, JsonToken value) throws IOException;
    }

    /** Each field of the object whose start is {@code token}; a value that is not an object is skipped. */
    private static void eachField(JsonParser parser, JsonToken token, FieldReader reader) throws IOException {
        if (token != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            reader.read(name, parser.nextToken());
        }
    }

    /** A scalar's text (a string, number or boolean); null for null, and for an object or array (skipped). */
    private static String text(JsonParser parser, JsonToken token) throws IOException {
        if (token.isScalarValue() && token != JsonToken.VALUE_NULL) {
            return parser.getValueAsString();
        }
        parser.skipChildren();
        return null;
    }

    /** A whole number, also one written as a string; null otherwise. */
    private static Long number(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT) {
            return parser.getLongValue();
        }
        String text = text(parser, token);
        try {
            return text == null ? null : Long.valueOf(text.strip());
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }

    private static final class Builder {
        String id;
        String type;
        String objectKind;
        String objectId;
        String bookingId;
        String clientReferenceId;
        String paymentStatus;
        String status;
        String paymentIntent;
        Long amount;
        Long amountReceived;
        Long amountTotal;
        Long amountRefunded;
        String currency;
        String errorCode;
        String declineCode;
        String failureReason;
        String reason;
        String mark;
        Long created;

        StripeEventFields build() {
            return new StripeEventFields(id, type, objectKind, objectId, bookingId, clientReferenceId,
                    paymentStatus, status, paymentIntent, amount, amountReceived, amountTotal, amountRefunded,
                    currency, errorCode, declineCode, failureReason, reason, mark, created);
        }
    }
}
