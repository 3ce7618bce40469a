package io.connectify.hub.webhook;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * Webhook counters: signatures rejected, duplicates dropped, events enqueued, and the failed payment attempts (a card
 * declined on the payment page), failed refunds and disputed payments the events reported, per provider.
 */
@Component("webhookMetrics")
public class WebhookMetrics {

    private final MeterRegistry registry;
    /** By name and provider: registering looks the meter up by a newly built id, on every event otherwise. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void rejected(String provider) {
        counter("connectify.webhook.rejected", provider).increment();
    }

    public void duplicate(@Header(WebhookHeaders.PROVIDER) String provider) {
        counter("connectify.webhook.duplicates", provider).increment();
    }

    public void enqueued(String provider) {
        counter("connectify.webhook.enqueued", provider).increment();
    }

    public void paymentAttemptFailed(@Header(WebhookHeaders.PROVIDER) String provider) {
        counter("connectify.payment.attempts.failed", provider).increment();
    }

    public void refundFailed(@Header(WebhookHeaders.PROVIDER) String provider) {
        counter("connectify.refunds.failed", provider).increment();
    }

    /** A refund of a booking's payment the hub did not make (made by hand at the provider) failed. */
    public void foreignRefundFailed(String provider) {
        counter("connectify.refunds.failed.foreign", provider).increment();
    }

    public void paymentDisputed(@Header(WebhookHeaders.PROVIDER) String provider) {
        counter("connectify.payment.disputes", provider).increment();
    }

    private Counter counter(String name, String provider) {
        String tag = provider == null ? "unknown" : provider;
        return counters.computeIfAbsent(name + '|' + tag,
                key -> Counter.builder(name).tag("provider", tag).register(registry));
    }
}
