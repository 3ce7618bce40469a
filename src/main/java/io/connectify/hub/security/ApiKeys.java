package io.connectify.hub.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import io.connectify.hub.sandbox.ProviderModes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The keys the hub accepts. With no key configured and every provider in sandbox, the key {@value #SANDBOX_KEY}
 * opens both the API and the admin API (said once in the startup log); with any provider live and no key the hub
 * refuses to start, so a live hub is never open.
 */
@Component
public class ApiKeys {

    public static final String SANDBOX_KEY = "sandbox";
    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

    private final List<byte[]> apiKeys;
    private final List<byte[]> adminKeys;

    public ApiKeys(SecurityProperties properties, ProviderModes modes) {
        List<String> api = properties.apiKeys();
        List<String> admin = properties.adminKeys();
        if (api.isEmpty() || admin.isEmpty()) {
            if (!modes.allSandbox()) {
                throw new IllegalStateException("Providers " + modes.liveProviders() + " are live but "
                        + "connectify.security.api-keys or admin-keys is empty: set CONNECTIFY_SECURITY_APIKEYS "
                        + "and CONNECTIFY_SECURITY_ADMINKEYS");
            }
            log.warn("No API key configured and every provider is in sandbox: the key '{}' is accepted", SANDBOX_KEY);
            api = api.isEmpty() ? List.of(SANDBOX_KEY) : api;
            admin = admin.isEmpty() ? List.of(SANDBOX_KEY) : admin;
        }
        this.apiKeys = api.stream().map(ApiKeys::bytes).toList();
        this.adminKeys = admin.stream().map(ApiKeys::bytes).toList();
    }

    public boolean isApiKey(String candidate) {
        return matches(candidate, apiKeys) || matches(candidate, adminKeys);
    }

    public boolean isAdminKey(String candidate) {
        return matches(candidate, adminKeys);
    }

    /** Constant time per key, and every key is compared, so timing tells nothing about which one nearly matched. */
    private static boolean matches(String candidate, List<byte[]> keys) {
        if (candidate == null) {
            return false;
        }
        byte[] given = bytes(candidate);
        boolean found = false;
        for (byte[] key : keys) {
            found |= MessageDigest.isEqual(given, key);
        }
        return found;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
