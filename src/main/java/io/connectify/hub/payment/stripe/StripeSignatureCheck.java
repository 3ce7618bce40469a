package io.connectify.hub.payment.stripe;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stripe's webhook signature scheme, as stripe-java's {@code Webhook.Signature.verifyHeader} checks it: the header
 * {@code t=<unix seconds>,v1=<hex>[,v1=...]}, where a v1 value is the HMAC-SHA256 of {@code "<t>.<body>"} (UTF-8)
 * keyed with an endpoint secret, and t is at most the tolerance old. Written here, not called, for two reasons.
 * stripe-java gets and keys a new {@link Mac} and formats the signed text with {@code String.format} on every call,
 * 11% of a webhook's request-thread CPU (bench/RESULTS.md); here each secret's keyed Mac is made once and copied
 * per call. And it throws on a malformed timestamp ({@code t=abc}, a bare {@code t}), which answered 500; here that
 * is a failed check like any other. StripeSignatureCheckTest holds the answers to stripe-java's on the same inputs.
 */
final class StripeSignatureCheck {

    static final String MALFORMED = "Unable to extract timestamp and signatures from header";
    static final String NO_V1 = "No signatures found with expected scheme";
    static final String NO_MATCH = "No signatures found matching the expected signature for payload";
    static final String TOO_OLD = "Timestamp outside the tolerance zone";
    static final String NO_SECRET = "no webhook secret configured";

    private static final String HMAC = "HmacSHA256";

    /** One keyed Mac per secret, never used itself: each check works on a copy. */
    private final List<Mac> keyed;
    private final long toleranceSeconds;

    StripeSignatureCheck(List<String> secrets, long toleranceSeconds) {
        this.keyed = secrets.stream().map(StripeSignatureCheck::keyedMac).toList();
        this.toleranceSeconds = toleranceSeconds;
    }

    /**
     * Null when one of the secrets signed the payload (the body's bytes as received) within the tolerance, else why
     * not (Stripe's wording).
     */
    String whyNot(byte[] payload, String header, long nowSeconds) {
        if (keyed.isEmpty()) {
            return NO_SECRET;
        }
        long timestamp = -1;
        boolean timestampSeen = false; // the first t counts, as in stripe-java
        List<String> signatures = new ArrayList<>(1);
        for (String item : header.split(",", -1)) {
            int eq = item.indexOf('=');
            String key = eq < 0 ? item : item.substring(0, eq);
            String value = eq < 0 ? null : item.substring(eq + 1);
            if (key.equals("t") && !timestampSeen) {
                timestampSeen = true;
                timestamp = parseSeconds(value);
            } else if (key.equals("v1") && value != null) {
                signatures.add(value);
            }
        }
        if (timestamp <= 0) {
            return MALFORMED;
        }
        if (signatures.isEmpty()) {
            return NO_V1;
        }
        // "<t>." and the body's bytes fed to the Mac one after the other: the bytes Stripe signed, without the body's
        // copy in a concatenated text or in a text's encoding (some 4 KB each of a real event's garbage)
        byte[] prefix = (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
        if (!signedByAnySecret(prefix, payload, signatures)) {
            return NO_MATCH;
        }
        if (toleranceSeconds > 0 && timestamp < nowSeconds - toleranceSeconds) {
            return TOO_OLD;
        }
        return null;
    }

    /** The header's signing time (its first {@code t}, as {@link #whyNot} reads it), in unix seconds; -1 if none. */
    static long timestamp(String header) {
        for (String item : header.split(",", -1)) {
            int eq = item.indexOf('=');
            if ((eq < 0 ? item : item.substring(0, eq)).equals("t")) {
                return parseSeconds(eq < 0 ? null : item.substring(eq + 1));
            }
        }
        return -1;
    }

    long toleranceSeconds() {
        return toleranceSeconds;
    }

    private boolean signedByAnySecret(byte[] prefix, byte[] body, List<String> signatures) {
        for (Mac prototype : keyed) {
            Mac mac = copy(prototype);
            mac.update(prefix);
            byte[] expected = HexFormat.of().formatHex(mac.doFinal(body)).getBytes(StandardCharsets.US_ASCII);
            for (String signature : signatures) {
                // constant time, as stripe-java's secureCompare: the comparison says nothing about how close it was
                if (MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static long parseSeconds(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Mac keyedMac(String secret) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private static Mac copy(Mac prototype) {
        try {
            return (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's HmacSHA256 can be copied", e);
        }
    }
}
