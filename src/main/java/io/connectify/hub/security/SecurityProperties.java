package io.connectify.hub.security;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** API keys of REST callers and admins; from the environment only (no defaults in the repo). */
@ConfigurationProperties("connectify.security")
public record SecurityProperties(List<String> apiKeys, List<String> adminKeys) {

    public SecurityProperties {
        apiKeys = clean(apiKeys);
        adminKeys = clean(adminKeys);
    }

    private static List<String> clean(List<String> keys) {
        return keys == null ? List.of() : keys.stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
    }
}
