package io.connectify.hub.payment.payrexx;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Payrexx settings; {@code apiKey} decides the mode: unset means the sandbox simulator. A blank value counts as unset
 * (an environment variable set to nothing binds as ""). The instance name and webhook token without the API key
 * stop the start: the sandbox would ignore them, and the operator believe Payrexx live. Live, the API base must be
 * https (or http to a loopback address, a fake), since the API key goes with every request, and the payment page's
 * redirects absolute http(s) URLs.
 */
@ConfigurationProperties("connectify.payrexx")
public record PayrexxProperties(String apiKey, String instanceName, String webhookToken, String apiBase,
                                boolean useApiKeyHeader, String successUrl, String failedUrl, String cancelUrl,
                                java.time.Duration connectTimeout, java.time.Duration readTimeout) {

    public PayrexxProperties {
        apiKey = PropertyChecks.blankToNull(apiKey);
        instanceName = PropertyChecks.blankToNull(instanceName);
        webhookToken = PropertyChecks.blankToNull(webhookToken);
        if (apiKey == null) {
            PropertyChecks.noCredentialsWithoutTheMode("connectify.payrexx.api-key", "CONNECTIFY_PAYREXX_APIKEY",
                    "connectify.payrexx.instance-name", instanceName, "connectify.payrexx.webhook-token", webhookToken);
        } else {
            PropertyChecks.secureOrLoopback("connectify.payrexx.api-base", apiBase);
            PropertyChecks.redirectUrl("connectify.payrexx.success-url", successUrl);
            PropertyChecks.redirectUrl("connectify.payrexx.failed-url", failedUrl);
            PropertyChecks.redirectUrl("connectify.payrexx.cancel-url", cancelUrl);
        }
    }

    public boolean live() {
        return apiKey != null;
    }
}
