package io.connectify.hub.payment.payrexx;

/** The Payrexx API the hub calls (real or sandbox), its credentials and the webhook path token. */
public record PayrexxConnection(boolean live, String apiBase, String instance, String apiKey, String webhookToken,
                                boolean useApiKeyHeader) {

    @Override
    public String toString() {
        return "PayrexxConnection[live=" + live + ", apiBase=" + apiBase + ", instance=" + instance + "]";
    }
}
