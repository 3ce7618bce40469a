package io.connectify.hub.payment.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;

import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import io.connectify.hub.support.StripeFake;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The hub's check gives stripe-java's answer on the same inputs, and a malformed header is a failed check. */
class StripeSignatureCheckTest {

    private static final String SECRET = "whsec_current";
    private static final String OLD_SECRET = "whsec_previous";
    private static final long NOW = 1_764_620_000L;
    private static final long TOLERANCE = 300;
    private static final String BODY = "{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\",\"name\":\"Zoë – 東京\"}";

    private final StripeSignatureCheck check = new StripeSignatureCheck(List.of(SECRET, OLD_SECRET), TOLERANCE);

    static Stream<String> headers() {
        String v1 = sign(NOW, BODY, SECRET);
        return Stream.of(
                "t=" + NOW + ",v1=" + v1,                                  // valid
                "t=" + NOW + ",v1=" + sign(NOW, BODY, OLD_SECRET),         // signed with the previous secret
                "t=" + NOW + ",v1=" + sign(NOW, BODY, "whsec_other"),      // another secret
                "t=" + NOW + ",v1=" + sign(NOW, BODY + " ", SECRET),       // another body
                "t=" + (NOW + 1) + ",v1=" + v1,                            // another timestamp
                "t=" + (NOW - 301) + ",v1=" + sign(NOW - 301, BODY, SECRET), // too old
                "t=" + (NOW - 300) + ",v1=" + sign(NOW - 300, BODY, SECRET), // just within
                "t=" + (NOW + 3600) + ",v1=" + sign(NOW + 3600, BODY, SECRET), // from the future
                "t=" + NOW + ",v1=deadbeef,v1=" + v1,                      // one of several
                "t=" + NOW + ",v0=" + v1,                                  // another scheme only
                "t=" + NOW + ",v1=" + v1.toUpperCase(),                    // upper-case hex
                "t=" + NOW + ",v1=",                                       // empty signature
                "v1=" + v1 + ",t=" + NOW,                                  // order swapped
                "v1=" + v1,                                                // no timestamp
                "t=0,v1=" + v1,
                "t=-5,v1=" + v1,
                "garbage",
                "t=" + NOW + ",v1=" + v1 + ",");
    }

    @ParameterizedTest
    @MethodSource("headers")
    void answersAsStripeJavaDoes(String header) {
        assertThat(check.whyNot(utf8(BODY), header, NOW)).isEqualTo(stripeJava(header, SECRET, OLD_SECRET));
    }

    @Test
    void theFirstSecretToMatchIsEnough() {
        String header = "t=" + NOW + ",v1=" + sign(NOW, BODY, OLD_SECRET);

        assertThat(check.whyNot(utf8(BODY), header, NOW)).isNull();
        assertThat(new StripeSignatureCheck(List.of(SECRET), TOLERANCE).whyNot(utf8(BODY), header, NOW))
                .isEqualTo(StripeSignatureCheck.NO_MATCH);
    }

    @Test
    void aToleranceOfZeroAcceptsAnyAge() {
        String header = "t=1000,v1=" + sign(1000, BODY, SECRET);

        assertThat(new StripeSignatureCheck(List.of(SECRET), 0).whyNot(utf8(BODY), header, NOW)).isNull();
        assertThat(stripeJava(header, 0, SECRET)).isNull();
    }

    @Test
    void withoutSecretsNothingVerifies() {
        assertThat(new StripeSignatureCheck(List.of(), TOLERANCE)
                .whyNot(utf8(BODY), "t=" + NOW + ",v1=" + sign(NOW, BODY, SECRET), NOW))
                .isEqualTo(StripeSignatureCheck.NO_SECRET);
    }

    /** Where stripe-java throws instead of answering, the hub says the header is malformed. */
    @ParameterizedTest
    @MethodSource("malformed")
    void aMalformedTimestampIsAFailedCheck(String header) {
        assertThat(check.whyNot(utf8(BODY), header, NOW)).isEqualTo(StripeSignatureCheck.MALFORMED);
    }

    static Stream<String> malformed() {
        return Stream.of("t=abc,v1=00", "t,v1=00", "t=,v1=00", "t=99999999999999999999,v1=00", "t=abc,t=" + NOW + ",v1=00");
    }

    private static String stripeJava(String header, String... secrets) {
        return stripeJava(header, TOLERANCE, secrets);
    }

    /**
     * stripe-java's answer with the secrets tried in turn: null if one verifies; that the timestamp is too old if a
     * secret signed it (the other secrets' "no match" says less); else the message all secrets give.
     */
    private static String stripeJava(String header, long tolerance, String... secrets) {
        String why = null;
        Clock clock = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
        for (String secret : secrets) {
            try {
                Webhook.Signature.verifyHeader(BODY, header, secret, tolerance, clock);
                return null;
            } catch (SignatureVerificationException e) {
                why = StripeSignatureCheck.TOO_OLD.equals(why) ? why : e.getMessage();
            }
        }
        return why;
    }

    /** The body as it comes over the wire: its UTF-8 bytes, which Stripe signs. */
    private static byte[] utf8(String body) {
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** The v1 value alone, out of the header the Stripe fake signs with. */
    private static String sign(long timestamp, String body, String secret) {
        String header = StripeFake.signature(body, timestamp, secret);
        return header.substring(header.indexOf("v1=") + 3);
    }
}
