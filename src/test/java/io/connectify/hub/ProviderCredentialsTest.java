package io.connectify.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import io.connectify.hub.calendar.GoogleCalendarProperties;
import io.connectify.hub.notification.NotificationConfigAccess;
import io.connectify.hub.notification.SendGridProperties;
import io.connectify.hub.notification.TwilioProperties;
import io.connectify.hub.payment.payrexx.PayrexxConfigAccess;
import io.connectify.hub.payment.payrexx.PayrexxProperties;
import io.connectify.hub.payment.stripe.StripeConfigAccess;
import io.connectify.hub.payment.stripe.StripeProperties;
import org.assertj.core.util.Throwables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A provider's mode is decided by one credential each (Stripe's secret key, Payrexx's API key, Twilio's account SID,
 * SendGrid's API key, Google's key path). The start now stops on credentials without that one (the provider would run
 * in sandbox and ignore them), takes an environment variable set to nothing as unset, refuses a live API address that
 * is neither https nor loopback, and warns of live settings that still point at localhost or a Stripe test key.
 * Bound from environment variables over application.yaml, as at start.
 */
@ExtendWith(OutputCaptureExtension.class)
class ProviderCredentialsTest {

    @Test
    void payrexxCredentialsWithoutItsApiKeyStopTheStart() {
        assertThatThrownBy(() -> bind("connectify.payrexx", PayrexxProperties.class, Map.of(
                "CONNECTIFY_PAYREXX_WEBHOOKTOKEN", "a-token-of-sixteen-chars", "CONNECTIFY_PAYREXX_APIKEY", " ")))
                .satisfies(e -> assertThat(Throwables.getRootCause(e)).hasMessageContaining(
                        "connectify.payrexx.webhook-token is set but connectify.payrexx.api-key is not"));
    }

    @Test
    void twilioCredentialsWithoutItsAccountSidStopTheStart() {
        assertThatThrownBy(() -> bind("connectify.twilio", TwilioProperties.class, Map.of(
                "CONNECTIFY_TWILIO_AUTHTOKEN", "token", "CONNECTIFY_TWILIO_APIKEYSID", "SK123")))
                .satisfies(e -> assertThat(Throwables.getRootCause(e)).hasMessageContaining(
                        "connectify.twilio.api-key-sid and connectify.twilio.auth-token are set but "
                                + "connectify.twilio.account-sid is not")
                        .hasMessageNotContaining("SK123"));
    }

    @Test
    void anEmptyEnvironmentVariableIsAMissingCredential() throws IOException {
        // every Twilio credential set but the API key SID, which is there but empty (CONNECTIFY_TWILIO_APIKEYSID=)
        TwilioProperties twilio = bind("connectify.twilio", TwilioProperties.class, Map.of(
                "CONNECTIFY_TWILIO_ACCOUNTSID", "AC123", "CONNECTIFY_TWILIO_APIKEYSID", "",
                "CONNECTIFY_TWILIO_APIKEYSECRET", "secret", "CONNECTIFY_TWILIO_AUTHTOKEN", "token",
                "CONNECTIFY_TWILIO_FROMNUMBER", "+41790000000", "CONNECTIFY_TWILIO_PUBLICBASEURL", "https://hub.example"));

        assertThatThrownBy(() -> NotificationConfigAccess.twilioConnection(twilio))
                .isInstanceOf(ConfigurationError.class) // only the one missing is named
                .hasMessageContaining("but connectify.twilio.api-key-sid (CONNECTIFY_TWILIO_APIKEYSID) is not set");
        // a blank mode credential is sandbox, not a live provider with an empty key
        assertThat(bind("connectify.sendgrid", SendGridProperties.class, Map.of("CONNECTIFY_SENDGRID_APIKEY", "  "))
                .live()).isFalse();
        assertThat(bind("connectify.gcal", GoogleCalendarProperties.class, Map.of("CONNECTIFY_GCAL_KEYPATH", ""))
                .live()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "connectify.stripe.api-base, CONNECTIFY_STRIPE_SECRETKEY, sk_live_x, CONNECTIFY_STRIPE_APIBASE",
            "connectify.payrexx.api-base, CONNECTIFY_PAYREXX_APIKEY, key, CONNECTIFY_PAYREXX_APIBASE",
            "connectify.twilio.api-base, CONNECTIFY_TWILIO_ACCOUNTSID, AC1, CONNECTIFY_TWILIO_APIBASE",
            "connectify.sendgrid.api-base, CONNECTIFY_SENDGRID_APIKEY, SG.x, CONNECTIFY_SENDGRID_APIBASE",
            "connectify.gcal.root-url, CONNECTIFY_GCAL_KEYPATH, /keys/google.json, CONNECTIFY_GCAL_ROOTURL"})
    void aLiveProviderTalksHttpsOrToThisMachineOnly(String property, String modeVariable, String modeValue,
                                                    String baseVariable) throws IOException {
        Class<?> type = typeOf(property);
        String prefix = property.substring(0, property.lastIndexOf('.'));

        assertThatThrownBy(() -> bind(prefix, type, Map.of(modeVariable, modeValue, baseVariable,
                "http://api.example.com/")))
                .satisfies(e -> assertThat(Throwables.getRootCause(e)).hasMessageContaining(property)
                        .hasMessageContaining("https"));
        for (String allowed : List.of("https://api.example.com/", "http://127.0.0.1:8089/", "http://localhost:8089/",
                "http://[::1]:8089/")) {
            assertThat(bind(prefix, type, Map.of(modeVariable, modeValue, baseVariable, allowed))).as(allowed)
                    .isNotNull();
        }
        // in sandbox the address is not used at all
        assertThat(bind(prefix, type, Map.of(baseVariable, "http://api.example.com/"))).isNotNull();
    }

    /**
     * A public base URL with a trailing slash gives the status callback URL without a double slash. Before,
     * "https://hub.example/" gave "https://hub.example//webhooks/twilio/status", a path no route takes: every
     * delivery status was lost (404).
     */
    @Test
    void aPublicBaseUrlsTrailingSlashGivesNoDoubleSlashInTheStatusCallback() throws IOException {
        for (String base : List.of("https://hub.example/", "https://hub.example//", "https://hub.example")) {
            TwilioProperties twilio = bind("connectify.twilio", TwilioProperties.class, liveTwilio(base));

            assertThat(NotificationConfigAccess.twilioConnection(twilio).statusCallbackUrl()).as(base)
                    .isEqualTo("https://hub.example/webhooks/twilio/status");
        }
    }

    /**
     * Live, a public base URL that is empty (CONNECTIFY_TWILIO_PUBLICBASEURL=), relative or not http(s) stops the
     * start, naming the property. Before, the hub started and handed Twilio a relative callback ("/webhooks/twilio/
     * status"), without a word: no delivery status arrived. The sandbox does not use it.
     */
    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", " ", "hub.example.com", "/hub", "ftp://hub.example.com"})
    void aLiveTwilioWithoutAnAbsolutePublicBaseUrlStopsTheStart(String base) throws IOException {
        assertThatThrownBy(() -> bind("connectify.twilio", TwilioProperties.class, liveTwilio(base)))
                .satisfies(e -> assertThat(Throwables.getRootCause(e))
                        .hasMessageContaining("connectify.twilio.public-base-url")
                        .hasMessageContaining("absolute http or https URL")
                        .hasMessageNotContaining("secret").hasMessageNotContaining("token"));
        assertThat(bind("connectify.twilio", TwilioProperties.class, Map.of("CONNECTIFY_TWILIO_PUBLICBASEURL", base))
                .live()).isFalse();
    }

    private static Map<String, Object> liveTwilio(String publicBaseUrl) {
        return Map.of("CONNECTIFY_TWILIO_ACCOUNTSID", "AC123", "CONNECTIFY_TWILIO_APIKEYSID", "SK1",
                "CONNECTIFY_TWILIO_APIKEYSECRET", "secret", "CONNECTIFY_TWILIO_AUTHTOKEN", "token",
                "CONNECTIFY_TWILIO_FROMNUMBER", "+41790000000", "CONNECTIFY_TWILIO_PUBLICBASEURL", publicBaseUrl);
    }

    @Test
    void aLiveStripeOnATestKeyAndLocalRedirectsIsWarnedOf(CapturedOutput output) throws IOException {
        StripeProperties stripe = bind("connectify.stripe", StripeProperties.class, Map.of(
                "CONNECTIFY_STRIPE_SECRETKEY", "sk_test_51secretpart", "CONNECTIFY_STRIPE_WEBHOOKSECRETS", "whsec_1"));

        StripeConfigAccess.stripeConnection(stripe);

        assertThat(output.getOut()).contains("WARN").contains("connectify.stripe.secret-key is a Stripe test-mode key")
                .contains("connectify.stripe.success-url and connectify.stripe.cancel-url still point at localhost")
                .doesNotContain("51secretpart");
    }

    @Test
    void liveRedirectsAndTwilioCallbacksToLocalhostAreWarnedOf(CapturedOutput output) throws IOException {
        PayrexxProperties payrexx = bind("connectify.payrexx", PayrexxProperties.class, Map.of(
                "CONNECTIFY_PAYREXX_APIKEY", "key", "CONNECTIFY_PAYREXX_INSTANCENAME", "shop",
                "CONNECTIFY_PAYREXX_WEBHOOKTOKEN", "a-token-of-sixteen-chars",
                "CONNECTIFY_PAYREXX_SUCCESSURL", "https://shop.example/paid"));
        TwilioProperties twilio = bind("connectify.twilio", TwilioProperties.class, Map.of(
                "CONNECTIFY_TWILIO_ACCOUNTSID", "AC123", "CONNECTIFY_TWILIO_APIKEYSID", "SK1",
                "CONNECTIFY_TWILIO_APIKEYSECRET", "secret", "CONNECTIFY_TWILIO_AUTHTOKEN", "token",
                "CONNECTIFY_TWILIO_FROMNUMBER", "+41790000000"));

        PayrexxConfigAccess.payrexxConnection(payrexx);
        NotificationConfigAccess.twilioConnection(twilio);

        assertThat(output.getOut())
                .contains("connectify.payrexx.failed-url and connectify.payrexx.cancel-url still point at localhost")
                .doesNotContain("connectify.payrexx.success-url")
                .contains("connectify.twilio.public-base-url still points at localhost");
    }

    /** Hex (openssl rand -hex 32), and the other characters that stay one unencoded path segment, are taken. */
    @Test
    void aPayrexxWebhookTokenOfOnePathSegmentsCharactersIsTaken() throws IOException {
        // RFC 3986's other segment characters (a generated password's ! @ $ ...) matched before and still do
        for (String token : List.of("0123456789abcdef0123456789abcdef", "Ab0.Cd1_Ef2~Gh3+Ij4=Kl5-",
                "Kq7!vX@p2Zr*9mTw$&'(),:")) {
            PayrexxProperties payrexx = bind("connectify.payrexx", PayrexxProperties.class, Map.of(
                    "CONNECTIFY_PAYREXX_APIKEY", "key", "CONNECTIFY_PAYREXX_INSTANCENAME", "shop",
                    "CONNECTIFY_PAYREXX_WEBHOOKTOKEN", token));

            assertThat(PayrexxConfigAccess.payrexxConnection(payrexx).webhookToken()).isEqualTo(token);
        }
    }

    @Test
    void aLiveStripeOnALiveKeyIsNotWarnedOf(CapturedOutput output) throws IOException {
        StripeProperties stripe = bind("connectify.stripe", StripeProperties.class, Map.of(
                "CONNECTIFY_STRIPE_SECRETKEY", "sk_live_x", "CONNECTIFY_STRIPE_WEBHOOKSECRETS", "whsec_1",
                "CONNECTIFY_STRIPE_SUCCESSURL", "https://shop.example/paid",
                "CONNECTIFY_STRIPE_CANCELURL", "https://shop.example/cancelled"));

        StripeConfigAccess.stripeConnection(stripe);

        assertThat(output.getOut()).doesNotContain("connectify.stripe");
    }

    private static Class<?> typeOf(String property) {
        return switch (property.split("\\.")[1]) {
            case "stripe" -> StripeProperties.class;
            case "payrexx" -> PayrexxProperties.class;
            case "twilio" -> TwilioProperties.class;
            case "sendgrid" -> SendGridProperties.class;
            default -> GoogleCalendarProperties.class;
        };
    }

    private static <T> T bind(String prefix, Class<T> type, Map<String, Object> environment) throws IOException {
        return EnvironmentOverridesTest.bind(prefix, type, environment);
    }
}
