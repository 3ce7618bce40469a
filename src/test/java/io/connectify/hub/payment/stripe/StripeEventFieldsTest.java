package io.connectify.hub.payment.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The fields of a Stripe event read in one streaming pass, from events shaped as Stripe sends them. */
class StripeEventFieldsTest {

    private final JsonFactory json = new JsonFactory();

    @Test
    void aCheckoutSessionsFieldsAreFoundAmongEverythingElseItCarries() throws IOException {
        // as Stripe sends it (API reference, "The Checkout Session object"), with nested objects and arrays that
        // have fields of the same names (id, object, status, amount_total, metadata) which must not be taken
        String event = """
                {"id":"evt_1Q","object":"event","api_version":"2024-06-20","created":1764486000,
                 "request":{"id":null,"idempotency_key":null},"pending_webhooks":1,"livemode":false,
                 "type":"checkout.session.completed",
                 "data":{"object":{"id":"cs_test_a1","object":"checkout.session","after_expiration":null,
                   "created":1764400000,
                   "amount_subtotal":9000,"amount_total":9000,
                   "automatic_tax":{"enabled":false,"liability":null,"status":null},
                   "client_reference_id":"ref-1","currency":"chf",
                   "customer_details":{"address":{"city":null,"country":"CH"},"email":"john@example.com",
                     "name":"John Doe","tax_ids":[]},
                   "invoice":{"id":"in_1","object":"invoice","status":"paid","amount_total":1,
                     "metadata":{"bookingId":"not-this-one"}},
                   "line_items":{"object":"list","data":[{"id":"li_1","object":"item","amount_total":9000}]},
                   "metadata":{"source":"hub","bookingId":"b-42","note":{"nested":true}},
                   "mode":"payment","payment_intent":"pi_3Q","payment_method_types":["card","twint"],
                   "payment_status":"paid","status":"complete","total_details":{"amount_discount":0}},
                  "previous_attributes":{"status":"open","id":"not-this-one"}}}""";

        StripeEventFields fields = StripeEventFields.read(json, event);

        assertThat(fields.id()).isEqualTo("evt_1Q");
        assertThat(fields.type()).isEqualTo("checkout.session.completed");
        assertThat(fields.objectKind()).isEqualTo("checkout.session");
        assertThat(fields.objectId()).isEqualTo("cs_test_a1");
        assertThat(fields.booking()).isEqualTo("b-42");
        assertThat(fields.paymentState()).isEqualTo("paid");
        assertThat(fields.isPaymentIntent()).isFalse();
        assertThat(fields.paymentReference()).isEqualTo("pi_3Q");
        assertThat(fields.paidAmount()).isEqualTo(9000);
        assertThat(fields.paidCurrency()).isEqualTo("CHF");
        assertThat(fields.created()).as("the event's, not its object's").isEqualTo(1764486000L);
    }

    @Test
    void aRefundsMarkIsTheHubsMetadataOnTheRefundOnly() throws IOException {
        String marked = """
                {"id":"evt_r1","type":"refund.failed","data":{"object":{"id":"re_1","object":"refund",
                 "payment_intent":"pi_1","status":"failed","failure_reason":"expired_or_canceled_card",
                 "metadata":{"connectify":"booking","bookingId":"b-9"}}}}""";
        String byHand = """
                {"id":"evt_r2","type":"refund.failed","data":{"object":{"id":"re_2","object":"refund",
                 "payment_intent":"pi_1","status":"failed","metadata":{}}}}""";
        String session = """
                {"id":"evt_s","type":"checkout.session.completed","data":{"object":{"id":"cs_1",
                 "object":"checkout.session","metadata":{"connectify":"booking","bookingId":"b-9"}}}}""";

        StripeEventFields fields = StripeEventFields.read(json, marked);

        assertThat(fields.refundMark()).isEqualTo("booking");
        assertThat(fields.booking()).isEqualTo("b-9");
        assertThat(fields.refundReference()).isEqualTo("re_1");
        assertThat(StripeEventFields.read(json, byHand).refundMark()).isEmpty();
        assertThat(StripeEventFields.read(json, session).refundMark()).as("not a refund").isEmpty();
    }

    @Test
    void aPaymentIntentIsReadByItsOwnFields() throws IOException {
        String event = """
                {"id":"evt_2","type":"payment_intent.succeeded","data":{"object":{"id":"pi_9","object":"payment_intent",
                 "amount":9000,"amount_received":8000,"status":"succeeded","latest_charge":{"id":"ch_1","amount":1,
                 "currency":"chf"},"currency":"jpy","metadata":{"bookingId":"b-7"}}}}""";

        StripeEventFields fields = StripeEventFields.read(json, event);

        assertThat(fields.isPaymentIntent()).isTrue();
        assertThat(fields.paymentReference()).isEqualTo("pi_9");
        assertThat(fields.paidAmount()).isEqualTo(8000);
        assertThat(fields.paymentState()).isEqualTo("succeeded");
        assertThat(fields.booking()).isEqualTo("b-7");
        // its own, upper case; not its expanded charge's
        assertThat(fields.paidCurrency()).isEqualTo("JPY");
    }

    @Test
    void absentOrNullFieldsFallBackAsTheSagaExpects() throws IOException {
        // no metadata booking: the session's client_reference_id; an expanded payment_intent is not an id;
        // a Payment Intent without amount_received: its amount
        StripeEventFields session = StripeEventFields.read(json, """
                {"id":"evt_3","type":"checkout.session.expired","data":{"object":{"object":"checkout.session",
                 "metadata":{"bookingId":null},"client_reference_id":"b-9","payment_intent":{"id":"pi_x"},
                 "payment_status":null,"status":"expired"}}}""");
        StripeEventFields intent = StripeEventFields.read(json, """
                {"id":"evt_4","type":"payment_intent.payment_failed","data":{"object":{"object":"payment_intent",
                 "id":"pi_4","amount":"9000"}}}""");
        StripeEventFields bare = StripeEventFields.read(json, "{\"id\":\"evt_5\",\"type\":\"x\",\"data\":[]}");

        assertThat(session.booking()).isEqualTo("b-9");
        assertThat(session.paymentReference()).isEmpty();
        assertThat(session.paymentState()).isEqualTo("expired");
        assertThat(session.paidAmount()).isZero();
        assertThat(intent.paidAmount()).isEqualTo(9000);
        assertThat(intent.paymentState()).isEmpty();
        assertThat(intent.booking()).isEmpty();
        assertThat(intent.paidCurrency()).as("absent").isEmpty();
        assertThat(bare.id()).isEqualTo("evt_5");
        assertThat(bare.booking()).isEmpty();
        assertThat(bare.paymentReference()).isEmpty();
    }

    @Test
    void aFailedAttemptsReasonIsItsDeclineCodeElseItsCode() throws IOException {
        // as Stripe sends payment_intent.payment_failed: last_payment_error is an API error object, whose nested
        // payment_method has a code field of its own that must not be taken
        StripeEventFields declined = StripeEventFields.read(json, """
                {"id":"evt_6","type":"payment_intent.payment_failed","data":{"object":{"id":"pi_6",
                 "object":"payment_intent","amount":9000,"amount_received":0,"status":"requires_payment_method",
                 "last_payment_error":{"charge":"ch_6","code":"card_declined","decline_code":"insufficient_funds",
                   "doc_url":"https://stripe.com/docs/error-codes/card-declined","message":"Your card has insufficient funds.",
                   "payment_method":{"id":"pm_6","object":"payment_method","card":{"brand":"visa","last4":"9995",
                     "checks":{"cvc_check":"pass"}},"metadata":{"code":"not-this-one"}},"type":"card_error"},
                 "metadata":{"bookingId":"b-6"}}}}""");
        StripeEventFields expired = StripeEventFields.read(json, """
                {"id":"evt_7","type":"payment_intent.payment_failed","data":{"object":{"id":"pi_7",
                 "object":"payment_intent","last_payment_error":{"code":"expired_card","decline_code":null,
                 "type":"card_error"}}}}""");
        StripeEventFields none = StripeEventFields.read(json, """
                {"id":"evt_8","type":"payment_intent.payment_failed","data":{"object":{"id":"pi_8",
                 "object":"payment_intent","last_payment_error":null}}}""");

        assertThat(declined.paymentError()).isEqualTo("insufficient_funds");
        assertThat(declined.paymentState()).isEqualTo("requires_payment_method");
        assertThat(declined.booking()).isEqualTo("b-6");
        assertThat(expired.paymentError()).isEqualTo("expired_card");
        assertThat(none.paymentError()).isEmpty();
    }

    @Test
    void aFailedRefundNamesItsPaymentAndWhyItFailed() throws IOException {
        // as Stripe sends refund.updated for a refund that failed after it was made
        StripeEventFields failed = StripeEventFields.read(json, """
                {"id":"evt_9","object":"event","type":"refund.updated","data":{"object":{"id":"re_9","object":"refund",
                 "amount":9000,"balance_transaction":"txn_9","charge":"ch_9","created":1764486000,"currency":"chf",
                 "destination_details":{"card":{"reference_status":"pending","type":"refund"},"type":"card"},
                 "failure_balance_transaction":"txn_9f","failure_reason":"expired_or_canceled_card","metadata":{},
                 "payment_intent":"pi_9","reason":"requested_by_customer","status":"failed"},
                 "previous_attributes":{"status":"succeeded"}}}""");

        assertThat(failed.paymentState()).isEqualTo("failed");
        assertThat(failed.paymentReference()).isEqualTo("pi_9");
        assertThat(failed.paymentError()).isEqualTo("expired_or_canceled_card");
        assertThat(failed.booking()).isEmpty();
    }

    @Test
    void aDisputeNamesItsPaymentAndWhyTheCustomerDisputesIt() throws IOException {
        // as Stripe sends charge.dispute.created (API version 2023-08-16's Dispute object)
        StripeEventFields dispute = StripeEventFields.read(json, """
                {"id":"evt_10","object":"event","type":"charge.dispute.created","data":{"object":{"id":"dp_10",
                 "object":"dispute","amount":9000,"balance_transactions":[],"charge":"ch_10","created":1764486000,
                 "currency":"chf","evidence":{"cancellation_rebuttal":null,"customer_email_address":null,
                 "refund_refusal_explanation":null,"uncategorized_text":null},"evidence_details":{"due_by":1765350000,
                 "has_evidence":false,"past_due":false,"submission_count":0},"is_charge_refundable":true,
                 "livemode":false,"metadata":{},"payment_intent":"pi_10","reason":"fraudulent",
                 "status":"needs_response"}}}""");
        // a refund's reason says why it was asked for: no error
        StripeEventFields refund = StripeEventFields.read(json, """
                {"id":"evt_11","type":"refund.updated","data":{"object":{"id":"re_11","object":"refund",
                 "payment_intent":"pi_11","reason":"requested_by_customer","status":"succeeded"}}}""");

        assertThat(dispute.paymentReference()).isEqualTo("pi_10");
        assertThat(dispute.paymentError()).isEqualTo("fraudulent");
        assertThat(dispute.paymentState()).isEqualTo("needs_response");
        assertThat(dispute.booking()).isEmpty();
        assertThat(refund.paymentError()).isEmpty();
    }

    @Test
    void aRefundedChargeNamesItsPaymentWhatItChargedAndHowMuchOfItIsRefunded() throws IOException {
        // as Stripe sends charge.refunded on API version 2023-08-16: the Charge without its list of refunds (left out
        // from 2022-11-15 on), and on an older version with it, whose refunds' amounts are not the Charge's
        StripeEventFields charge = StripeEventFields.read(json, """
                {"id":"evt_12","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_12",
                 "object":"charge","amount":9000,"amount_captured":9000,"amount_refunded":3000,
                 "billing_details":{"address":{"city":null}},"captured":true,"currency":"chf","metadata":{},
                 "outcome":{"type":"authorized"},"paid":true,"payment_intent":"pi_12","refunded":false,
                 "status":"succeeded"}}}""");
        StripeEventFields older = StripeEventFields.read(json, """
                {"id":"evt_13","type":"charge.refunded","data":{"object":{"id":"ch_13","object":"charge",
                 "amount":9000,"amount_refunded":9000,"payment_intent":"pi_13","refunded":true,
                 "refunds":{"object":"list","data":[{"id":"re_13","object":"refund","amount":4000,
                 "metadata":{"connectify":"booking"}},{"id":"re_14","object":"refund","amount":5000}],
                 "has_more":false}}}}""");

        assertThat(charge.paymentReference()).isEqualTo("pi_12");
        assertThat(charge.paidAmount()).isEqualTo(9000);
        assertThat(charge.refundedAmount()).isEqualTo(3000);
        assertThat(charge.refundReference()).isEmpty();
        assertThat(older.refundedAmount()).isEqualTo(9000);
        assertThat(older.paidAmount()).isEqualTo(9000);
        assertThat(older.refundMark()).as("a refund's mark in the list is not the Charge's").isEmpty();
        assertThat(StripeEventFields.read(json, """
                {"id":"evt_14","type":"refund.updated","data":{"object":{"id":"re_14","object":"refund",
                 "amount":9000,"amount_refunded":9000,"payment_intent":"pi_14"}}}""").refundedAmount())
                .as("only a Charge's").isNull();
    }

    /**
     * Read from the body's bytes, the fields are what the body's UTF-8 text gives, also where Jackson would read the
     * bytes otherwise (a byte-order mark, UTF-16, malformed UTF-8 in a field the hub reads), and so is a refusal.
     */
    @ParameterizedTest
    @MethodSource("bodies")
    void theBytesGiveWhatTheirUtf8TextGives(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        Object fromText;
        Object fromBytes;
        try {
            fromText = StripeEventFields.read(json, text);
        } catch (IOException refused) {
            fromText = IOException.class;
        }
        try {
            fromBytes = StripeEventFields.read(json, body);
        } catch (IOException refused) {
            fromBytes = IOException.class;
        }
        assertThat(fromBytes).isEqualTo(fromText);
    }

    static Stream<byte[]> bodies() {
        String event = """
                {"id":"evt_1","type":"checkout.session.completed","created":1764486000,"data":{"object":{
                 "id":"cs_1","object":"checkout.session","currency":"chf","amount_total":9000,
                 "customer_details":{"name":"Zoë Müller – 東京 \\uD83D\\uDE00 \uD83D\uDE00"},
                 "metadata":{"bookingId":"b-42"},"payment_status":"paid"}}}""";
        byte[] utf8 = event.getBytes(StandardCharsets.UTF_8);
        byte[] malformed = Arrays.copyOf(utf8, utf8.length);
        malformed[new String(utf8, StandardCharsets.ISO_8859_1).indexOf("b-42") + 3] = (byte) 0xC3; // no continuation
        byte[] bom = new byte[utf8.length + 3];
        bom[0] = (byte) 0xEF;
        bom[1] = (byte) 0xBB;
        bom[2] = (byte) 0xBF;
        System.arraycopy(utf8, 0, bom, 3, utf8.length);
        return Stream.of(utf8, malformed, bom, event.getBytes(StandardCharsets.UTF_16LE),
                event.getBytes(StandardCharsets.UTF_16), "{}".getBytes(StandardCharsets.UTF_8), new byte[0],
                "[1,2]".getBytes(StandardCharsets.UTF_8), "{\"id\":".getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[]", "\"evt_1\"", "{\"id\":\"evt_1\",", "{\"id\":\"evt_1\" \"type\":\"x\"}",
            "{\"data\":{\"object\":{\"id\":}}}"})
    void whatIsNotAJsonObjectIsRefused(String body) {
        assertThatThrownBy(() -> StripeEventFields.read(json, body)).isInstanceOf(IOException.class);
    }
}
