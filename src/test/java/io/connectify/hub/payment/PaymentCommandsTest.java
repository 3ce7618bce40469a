package io.connectify.hub.payment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.connectify.hub.payment.stripe.StripeProperties;
import io.connectify.hub.resilience.ResilienceProperties;
import org.junit.jupiter.api.Test;

/** How soon a booking's Checkout Session may expire follows the Stripe create's timeouts and retries. */
class PaymentCommandsTest {

    @Test
    void theLastRetryOfACreateStillSetsAnExpiryStripeTakes() {
        // application.yaml's defaults: 10 attempts, each at most 5 s for a rate-limiter permit, 5 s to connect, 20 s
        // to answer and 2 s of back-off
        assertThat(PaymentCommands.soonestSessionExpiry(stripe(Duration.ofSeconds(20)), retry(10), Duration.ofSeconds(5)))
                .isEqualTo(Duration.ofMinutes(37).plusSeconds(20));
        // more and longer attempts: a fixed 36 minutes let a late retry ask Stripe for an expiry under 30 minutes on
        assertThat(PaymentCommands.soonestSessionExpiry(stripe(Duration.ofSeconds(60)), retry(20), Duration.ofSeconds(5)))
                .isEqualTo(Duration.ofMinutes(32).plus(Duration.ofSeconds(72).multipliedBy(20)));
    }

    private static StripeProperties stripe(Duration readTimeout) {
        return new StripeProperties("sk_test_x", List.of(), Duration.ofMinutes(5), "https://api.stripe.com", Duration.ofSeconds(5),
                readTimeout, "https://shop.example/ok", "https://shop.example/cancel");
    }

    private static ResilienceProperties.Retry retry(int attempts) {
        return new ResilienceProperties.Retry(attempts, Duration.ofMillis(100), 2.0, Duration.ofSeconds(2), 0.5,
                Duration.ofSeconds(10));
    }
}
