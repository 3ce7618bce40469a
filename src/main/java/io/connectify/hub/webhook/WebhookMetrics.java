package io.connectify.hub.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** Webhook counters: signatures rejected, duplicates dropped, events enqueued, per provider. */
@Component("webhookMetrics")
public class WebhookMetrics {

    private final MeterRegistry registry;

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void rejected(String provider) {
        counter("connectify.webhook.rejected", provider).increment();
    }

    public void duplicate(@Header(WebhookHeaders.PROVIDER) String provider) {
        counter("connectify.webhook.duplicates", provider).increment();
    }

    public void enqueued(@Header(WebhookHeaders.PROVIDER) String provider) {
        counter("connectify.webhook.enqueued", provider).increment();
    }

    private Counter counter(String name, String provider) {
        return Counter.builder(name).tag("provider", provider == null ? "unknown" : provider).register(registry);
    }
}
