package io.connectify.hub.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * WireMock fakes of Twilio's Messages resource (form-encoded, {@code /2010-04-01/Accounts/{sid}/Messages.json}) and
 * SendGrid's {@code POST /v3/mail/send} (JSON in, 202 with X-Message-Id out), and Twilio's callback signature
 * written from Twilio's documented scheme, independent of twilio-java.
 */
public final class NotificationFakes {

    public static final String ACCOUNT_SID = "AC11111111111111111111111111111111";
    public static final String API_KEY_SID = "SK22222222222222222222222222222222";
    public static final String API_KEY_SECRET = "twilio-test-secret";
    public static final String AUTH_TOKEN = "twilio-test-auth-token";
    public static final String FROM = "+41445550000";
    public static final String PUBLIC_BASE_URL = "https://hub.example.com";
    public static final String MESSAGES = "/2010-04-01/Accounts/" + ACCOUNT_SID + "/Messages.json";
    public static final String SENDGRID_KEY = "SG.test-key";
    public static final String MAIL_SEND = "/v3/mail/send";

    private final HeldAnswer twilioHold = new HeldAnswer();
    private final TwilioMessageStore twilioStore = new TwilioMessageStore(ACCOUNT_SID, FROM);
    private final WireMockServer twilio = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
            .extensions(twilioHold, twilioStore));
    private final HeldAnswer sendGridHold = new HeldAnswer();
    private final WireMockServer sendGrid = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
            .extensions(sendGridHold));
    private int sids;

    public NotificationFakes() {
        twilio.start();
        sendGrid.start();
        reset();
    }

    public WireMockServer twilio() {
        return twilio;
    }

    public WireMockServer sendGrid() {
        return sendGrid;
    }

    /** Holds the answer of a Twilio stub that names {@link HeldAnswer#NAME}, once armed. */
    public HeldAnswer twilioHold() {
        return twilioHold;
    }

    /** Holds the answer of a SendGrid stub that names {@link HeldAnswer#NAME}, once armed. */
    public HeldAnswer sendGridHold() {
        return sendGridHold;
    }

    /**
     * Twilio's Messages resource kept as Twilio keeps it (opt-in; by default every send is answered with one fixed
     * SID): each POST stored and answered with a SID of its own, and the list read from what was stored.
     */
    public TwilioMessageStore storeTwilioMessages() {
        twilio.stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withTransformers(TwilioMessageStore.NAME)));
        twilio.stubFor(get(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withTransformers(TwilioMessageStore.NAME)));
        return twilioStore;
    }

    public void reset() {
        twilioHold.release();
        sendGridHold.release();
        twilioStore.reset();
        twilio.resetAll();
        sendGrid.resetAll();
        twilio.stubFor(post(urlPathEqualTo(MESSAGES)).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody(message("SM" + "a".repeat(32)))));
        sendGrid.stubFor(post(urlPathEqualTo(MAIL_SEND)).willReturn(aResponse().withStatus(202)
                .withHeader("X-Message-Id", "sg-message-1")));
    }

    public static String message(String sid) {
        return """
                {"sid":"%s","account_sid":"%s","to":"+41791234567","from":"%s","body":"x","status":"queued",
                 "direction":"outbound-api","api_version":"2010-04-01"}""".formatted(sid, ACCOUNT_SID, FROM);
    }

    public static String twilioError(int code, int status) {
        return """
                {"code":%d,"message":"Error %d","more_info":"https://www.twilio.com/docs/errors/%d","status":%d}"""
                .formatted(code, code, code, status);
    }

    /** X-Twilio-Signature: base64 HMAC-SHA1(auth token, URL + each parameter name and value sorted by name). */
    public static String signature(String url, Map<String, String> params) {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(params).forEach((name, value) -> data.append(name).append(value));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(AUTH_TOKEN.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
