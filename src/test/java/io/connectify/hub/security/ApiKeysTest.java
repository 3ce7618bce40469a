package io.connectify.hub.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.sandbox.ProviderMode;
import io.connectify.hub.sandbox.ProviderModes;
import org.junit.jupiter.api.Test;

/** Which keys open the API and the admin API, by what is configured and whether any provider is live. */
class ApiKeysTest {

    private static final ProviderModes SANDBOX = new ProviderModes(List.of(new ProviderMode("stripe", false),
            new ProviderMode("payrexx", false)));
    private static final ProviderModes STRIPE_LIVE = new ProviderModes(List.of(new ProviderMode("stripe", true),
            new ProviderMode("payrexx", false)));

    @Test
    void withNoKeyAtAllInSandboxTheSandboxKeyOpensBoth() {
        ApiKeys keys = new ApiKeys(new SecurityProperties(List.of(), List.of()), SANDBOX);

        assertThat(keys.isApiKey("sandbox")).isTrue();
        assertThat(keys.isAdminKey("sandbox")).isTrue();
    }

    @Test
    void withOnlyApiKeysInSandboxTheSandboxKeyOpensNothingAndNoKeyIsAnAdminKey() {
        ApiKeys keys = new ApiKeys(new SecurityProperties(List.of("k1"), List.of()), SANDBOX);

        assertThat(keys.isApiKey("sandbox")).isFalse();
        assertThat(keys.isAdminKey("sandbox")).isFalse();
        assertThat(keys.isApiKey("k1")).isTrue();
        assertThat(keys.isAdminKey("k1")).isFalse();
    }

    @Test
    void withOnlyAdminKeysInSandboxTheSandboxKeyOpensNothingAndTheAdminKeysOpenTheApi() {
        ApiKeys keys = new ApiKeys(new SecurityProperties(List.of(), List.of("a1")), SANDBOX);

        assertThat(keys.isApiKey("sandbox")).isFalse();
        assertThat(keys.isAdminKey("sandbox")).isFalse();
        assertThat(keys.isApiKey("a1")).isTrue();
        assertThat(keys.isAdminKey("a1")).isTrue();
    }

    @Test
    void withAProviderLiveEitherListEmptyRefusesTheStart() {
        assertThatThrownBy(() -> new ApiKeys(new SecurityProperties(List.of("k1"), List.of()), STRIPE_LIVE))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("connectify.security.admin-keys is empty")
                .satisfies(e -> assertThat(((ConfigurationError) e).action()).contains("CONNECTIFY_SECURITY_ADMINKEYS"));
        assertThatThrownBy(() -> new ApiKeys(new SecurityProperties(List.of(), List.of("a1")), STRIPE_LIVE))
                .isInstanceOf(ConfigurationError.class);
    }
}
