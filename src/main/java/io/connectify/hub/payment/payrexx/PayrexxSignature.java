package io.connectify.hub.payment.payrexx;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Payrexx's legacy request signature: base64 HMAC-SHA256, keyed with the API secret, over the RFC 1738-encoded
 * query string of all parameters except {@code instance} (PHP's http_build_query). The JDK has no ready helper
 * for that exact form, hence these few lines.
 */
public final class PayrexxSignature {

    private PayrexxSignature() {
    }

    /** RFC 1738 form encoding as PHP's http_build_query writes it: spaces as '+', '*' escaped too. */
    public static String encode(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> rfc1738(e.getKey()) + "=" + rfc1738(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    public static String sign(String encodedParams, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(encodedParams.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static String rfc1738(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8)
                .replace("*", "%2A");
    }
}
