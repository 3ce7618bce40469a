package io.connectify.hub.payment.payrexx;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Payrexx settings; {@code apiKey} and {@code instanceName} unset mean the sandbox simulator. */
@ConfigurationProperties("connectify.payrexx")
public record PayrexxProperties(String apiKey, String instanceName, String webhookToken, String apiBase,
                                boolean useApiKeyHeader, String successUrl, String failedUrl, String cancelUrl,
                                java.time.Duration connectTimeout, java.time.Duration readTimeout) {

    public boolean live() {
        return apiKey != null && !apiKey.isBlank();
    }
}
