package io.connectify.hub.payment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.connectify.hub.payment.payrexx.PayrexxSignature;
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
}
