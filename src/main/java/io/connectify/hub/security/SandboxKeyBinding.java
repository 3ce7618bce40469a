package io.connectify.hub.security;

import java.net.InetAddress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * With no API key and no admin key configured the well-known key {@value ApiKeys#SANDBOX_KEY} opens the admin API
 * (customers' names, emails, phones): the hub then listens on the loopback interface alone, unless
 * {@code server.address} names another (the container image sets it: a published port is the operator's choice).
 * Decided from the keys alone, before the web server starts: with a provider live and no key the hub does not start
 * anyway ({@link ApiKeys}). Before, it listened on every interface, and anyone on the network was its admin.
 */
@Component
public class SandboxKeyBinding implements WebServerFactoryCustomizer<ConfigurableWebServerFactory>, Ordered {

    private static final Logger log = LoggerFactory.getLogger(SandboxKeyBinding.class);

    private final SecurityProperties keys;
    /** Only where there is a web server, which is when it is asked. */
    private final ObjectProvider<ServerProperties> server;

    public SandboxKeyBinding(SecurityProperties keys, ObjectProvider<ServerProperties> server) {
        this.keys = keys;
        this.server = server;
    }

    @Override
    public void customize(ConfigurableWebServerFactory factory) {
        if (!keys.apiKeys().isEmpty() || !keys.adminKeys().isEmpty()) {
            return;
        }
        InetAddress configured = server.getObject().getAddress();
        if (configured == null) {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            factory.setAddress(loopback);
            log.warn("No API key configured: the hub listens on {} only, where the key '{}' opens its API and admin "
                    + "API; set CONNECTIFY_SECURITY_APIKEYS and _ADMINKEYS (and SERVER_ADDRESS) to serve others",
                    loopback.getHostAddress(), ApiKeys.SANDBOX_KEY);
        } else if (!configured.isLoopbackAddress()) {
            log.warn("No API key configured and server.address is {}: the key '{}' opens the API and admin API to "
                    + "anyone who reaches it; set CONNECTIFY_SECURITY_APIKEYS and _ADMINKEYS",
                    configured.getHostAddress(), ApiKeys.SANDBOX_KEY);
        }
    }

    /** After Spring Boot's own customizer, which sets {@code server.address} (order 0). */
    @Override
    public int getOrder() {
        return 1;
    }
}
