package io.connectify.hub.sandbox;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/**
 * The loopback server that hosts the provider simulators. Lazy: it starts only when a provider without
 * credentials asks for its simulator, so a fully live hub opens no sandbox port.
 */
@Configuration(proxyBeanMethods = false)
public class SandboxConfig {

    @Bean(destroyMethod = "close")
    @Lazy
    SandboxServer sandboxServer(@Value("${connectify.sandbox.port}") int port) {
        SandboxServer server = new SandboxServer(port);
        server.start();
        return server;
    }
}
