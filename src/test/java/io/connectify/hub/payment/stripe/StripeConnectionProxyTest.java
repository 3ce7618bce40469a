package io.connectify.hub.payment.stripe;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.stripe.Stripe;
import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.model.PaymentIntent;
import com.stripe.net.RequestOptions;
import io.connectify.hub.support.StripeFake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hub's Stripe client goes through the proxy set the stripe-java way (a request's {@code RequestOptions}, or
 * {@code Stripe.setConnectionProxy}), with its proxy credential, as stripe-java's own client does. Before, it took
 * only the JVM's proxy properties: the call went straight to Stripe, past the proxy an operator set. The proxy here
 * is a WireMock forwarding what it is sent to the Stripe fake (a browser proxy), so both sides are seen.
 */
class StripeConnectionProxyTest {

    private static final String INTENT = "pi_through_proxy";

    private final StripeFake stripe = new StripeFake();
    private final WireMockServer proxy = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
            .enableBrowserProxying(true));
    private StripeHttpClient http;
    private StripeClient client;

    @BeforeEach
    void start() {
        proxy.start();
        stripe.paymentIntentIn(INTENT, "b-proxy", "succeeded");
        Duration timeout = Duration.ofSeconds(5);
        http = new StripeHttpClient(timeout, timeout);
        client = StripeConfig.client(stripe.apiBase(), StripeFake.SECRET_KEY, timeout, timeout, http);
    }

    @AfterEach
    void stop() throws Exception {
        Stripe.setConnectionProxy(null);
        Stripe.setProxyCredential(null);
        http.close();
        proxy.stop();
        stripe.server().stop();
    }

    @Test
    void aCallWhoseRequestOptionsNameAProxyGoesThroughIt() throws Exception {
        PaymentIntent intent = client.v1().paymentIntents().retrieve(INTENT,
                RequestOptions.builder().setConnectionProxy(proxyAddress()).build());

        assertThat(intent.getId()).isEqualTo(INTENT);
        assertThat(proxied()).as("the proxy was asked for the Stripe fake's URL").singleElement()
                .satisfies(e -> assertThat(e.getRequest().getAbsoluteUrl())
                        .isEqualTo(stripe.apiBase() + "/v1/payment_intents/" + INTENT));
        stripe.server().verify(1, getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + INTENT)));
    }

    @Test
    void stripesGlobalConnectionProxyCarriesTheHubClientsCalls() throws Exception {
        Stripe.setConnectionProxy(proxyAddress());

        PaymentIntent intent = client.v1().paymentIntents().retrieve(INTENT);

        assertThat(intent.getId()).isEqualTo(INTENT);
        assertThat(proxied()).hasSize(1);
        stripe.server().verify(1, getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + INTENT)));
    }

    /** A proxy that asks for credentials (407) gets the proxy credential set for stripe-java, and only it. */
    @Test
    void theProxyCredentialAnswersTheProxysChallenge() throws Exception {
        proxy.stubFor(any(anyUrl()).withHeader("Proxy-Authorization", absent()).willReturn(aResponse().withStatus(407)
                .withHeader("Proxy-Authenticate", "Basic realm=\"egress\"")));
        Stripe.setProxyCredential(new PasswordAuthentication("hub", "s3cret".toCharArray()));

        PaymentIntent intent = client.v1().paymentIntents().retrieve(INTENT,
                RequestOptions.builder().setConnectionProxy(proxyAddress()).build());

        assertThat(intent.getId()).isEqualTo(INTENT);
        assertThat(proxied()).extracting(e -> e.getRequest().getHeader("Proxy-Authorization"))
                .containsExactly(null, "Basic " + Base64.getEncoder().encodeToString(
                        "hub:s3cret".getBytes(StandardCharsets.UTF_8)));
        stripe.server().verify(1, getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + INTENT)));
    }

    /** {@link Proxy#NO_PROXY} on a request goes straight to Stripe, whatever proxy is set globally. */
    @Test
    void noProxyOnARequestGoesStraightToStripe() throws Exception {
        Stripe.setConnectionProxy(proxyAddress());

        client.v1().paymentIntents().retrieve(INTENT, RequestOptions.builder().setConnectionProxy(Proxy.NO_PROXY)
                .build());

        assertThat(proxied()).isEmpty();
        stripe.server().verify(1, getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + INTENT)));
    }

    /** A SOCKS proxy, which the hub's client cannot speak, fails the call: never sent past it, straight to Stripe. */
    @Test
    void aSocksProxyFailsTheCallRatherThanBeingBypassed() {
        Proxy socks = new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", proxy.port()));

        assertThatThrownBy(() -> client.v1().paymentIntents().retrieve(INTENT,
                RequestOptions.builder().setConnectionProxy(socks).build()))
                .isInstanceOf(ApiConnectionException.class).hasMessageContaining("SOCKS");
        assertThat(proxied()).isEmpty();
        stripe.server().verify(0, getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + INTENT)));
    }

    private Proxy proxyAddress() {
        return new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", proxy.port()));
    }

    /** What the proxy was asked, oldest first. */
    private List<ServeEvent> proxied() {
        List<ServeEvent> events = new ArrayList<>(proxy.getAllServeEvents());
        Collections.reverse(events);
        return events;
    }
}
