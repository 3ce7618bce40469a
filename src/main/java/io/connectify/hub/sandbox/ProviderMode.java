package io.connectify.hub.sandbox;

/** Whether a provider talks to the real service or to its local simulator. One bean per provider. */
public record ProviderMode(String provider, boolean live) {

    public String label() {
        return live ? "live" : "sandbox";
    }
}
