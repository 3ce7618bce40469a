package io.connectify.hub.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.sandbox.ProviderModes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The keys the hub accepts. With no key configured at all and every provider in sandbox, the key {@value #SANDBOX_KEY}
 * opens both the API and the admin API (said once in the startup log); with any provider live and either list empty
 * the hub refuses to start, so a live hub is never open. In sandbox with only one list configured, the other stays
 * as configured, empty: no admin key closes the admin API to every key (said in the startup log), no API key leaves
 * the API to the admin keys. {@value #SANDBOX_KEY} is then no key at all: a newcomer's hub given its own API key
 * would otherwise still open the admin API (customers' names, emails, phones) to anyone sending "sandbox".
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
                throw new ConfigurationError("Providers " + modes.liveProviders() + " are live but "
                        + (api.isEmpty() && admin.isEmpty() ? "connectify.security.api-keys and admin-keys are"
                        : api.isEmpty() ? "connectify.security.api-keys is" : "connectify.security.admin-keys is")
                        + " empty: a live hub is never open without a key", "Set CONNECTIFY_SECURITY_APIKEYS and "
                        + "CONNECTIFY_SECURITY_ADMINKEYS (comma-separated keys, each long and random).");
            }
            if (api.isEmpty() && admin.isEmpty()) {
                log.warn("No API key configured and every provider is in sandbox: the key '{}' is accepted",
                        SANDBOX_KEY);
                api = List.of(SANDBOX_KEY);
                admin = List.of(SANDBOX_KEY);
            } else if (admin.isEmpty()) {
                log.warn("connectify.security.admin-keys is empty while api-keys is set: the admin API "
                        + "(/api/v1/admin/**, /sandbox/**) is closed to every key, and the key '{}' is not accepted; "
                        + "set CONNECTIFY_SECURITY_ADMINKEYS to open it", SANDBOX_KEY);
            } else {
                log.warn("connectify.security.api-keys is empty while admin-keys is set: only the admin keys open "
                        + "the API, and the key '{}' is not accepted; set CONNECTIFY_SECURITY_APIKEYS for callers",
                        SANDBOX_KEY);
            }
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
