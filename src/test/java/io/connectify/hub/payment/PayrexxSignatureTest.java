package io.connectify.hub.payment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.connectify.hub.payment.payrexx.PayrexxCommands.RefundCommand;
import io.connectify.hub.payment.payrexx.PayrexxConnection;
import io.connectify.hub.payment.payrexx.PayrexxRequests;
import io.connectify.hub.payment.payrexx.PayrexxSignature;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class PayrexxSignatureTest {

    @Test
    void theQueryIsRfc1738EncodedAsPhpWritesIt() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("amount", "9000");
        params.put("purpose", "Consultation with John Doe*");
        params.put("fields[email][value]", "john@example.com");

        assertThat(PayrexxSignature.encode(params)).isEqualTo(
                "amount=9000&purpose=Consultation+with+John+Doe%2A&fields%5Bemail%5D%5Bvalue%5D=john%40example.com");
    }

    @Test
    void theSignatureIsBase64HmacSha256OfTheEncodedQuery() throws Exception {
        String query = "amount=9000&currency=CHF";
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("secret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = Base64.getEncoder().encodeToString(mac.doFinal(query.getBytes(StandardCharsets.UTF_8)));

        assertThat(PayrexxSignature.sign(query, "secret")).isEqualTo(expected)
                // the same value computed once with openssl: printf %s "$q" | openssl dgst -sha256 -hmac secret -binary | base64
                .isEqualTo("VY3etxfBJ0eVAKl52Zs5C82BAFYbqxfytauHP7D8lBk=");
    }

    /**
     * A refund with the legacy signature (use-api-key-header false): {@code amount} in cents as the form body, and
     * {@code ApiSignature} over exactly that encoded body (a full refund's: over nothing), beside {@code instance}.
     */
    @Test
    void aRefundIsSignedOverTheExactFormBodyItSends() {
        PayrexxRequests requests = new PayrexxRequests(new PayrexxConnection(true, "http://127.0.0.1:1/v1.0/",
                "shop", "secret", "token", false), null, null, null);

        Exchange partial = new DefaultExchange(new DefaultCamelContext());
        requests.refundTransaction(new RefundCommand(4711, 3000L), partial);
        Exchange full = new DefaultExchange(new DefaultCamelContext());
        requests.refundTransaction(new RefundCommand(4711, null), full);

        assertThat(partial.getMessage().getHeader(Exchange.HTTP_METHOD)).isEqualTo("POST");
        assertThat(partial.getMessage().getHeader(Exchange.HTTP_PATH)).isEqualTo("Transaction/4711/refund");
        assertThat(partial.getMessage().getHeader(Exchange.CONTENT_TYPE))
                .isEqualTo("application/x-www-form-urlencoded");
        assertThat(partial.getMessage().getBody(String.class)).isEqualTo("amount=3000");
        assertThat(partial.getMessage().getHeader(Exchange.HTTP_QUERY)).isEqualTo("instance=shop&ApiSignature="
                + java.net.URLEncoder.encode(PayrexxSignature.sign("amount=3000", "secret"), StandardCharsets.UTF_8));
        assertThat(full.getMessage().getBody(String.class)).isEmpty();
        assertThat(full.getMessage().getHeader(Exchange.HTTP_QUERY)).isEqualTo("instance=shop&ApiSignature="
                + java.net.URLEncoder.encode(PayrexxSignature.sign("", "secret"), StandardCharsets.UTF_8));
        assertThat(partial.getMessage().getHeader("X-API-KEY")).isNull();
    }
}
