package io.connectify.hub.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;

import io.connectify.hub.support.LogLines;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;

/**
 * Where the hub listens, by the keys configured: the well-known key "sandbox" opens the admin API, so a hub that
 * takes it listens on loopback alone unless server.address says otherwise. Before, every interface.
 */
class SandboxKeyBindingTest {

    @Test
    void withNoKeyConfiguredTheHubListensOnLoopbackOnlyAndSaysSo() {
        try (LogLines lines = LogLines.of(SandboxKeyBinding.class)) {
            var factory = customized(List.of(), List.of(), null);

            assertThat(factory.getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
            assertThat(lines.lines()).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
                    .contains("listens on 127.0.0.1 only").contains("SERVER_ADDRESS"));
        }
    }

    @Test
    void withKeysConfiguredTheAddressIsLeftAsConfigured() throws Exception {
        assertThat(customized(List.of("k1"), List.of("a1"), null).getAddress()).isNull();
        assertThat(customized(List.of("k1"), List.of(), null).getAddress()).isNull();
        assertThat(customized(List.of(), List.of("a1"), null).getAddress()).isNull();
    }

    @Test
    void anAddressConfiguredIsKeptEvenWithNoKeyAndAnOpenOneIsWarnedOf() throws Exception {
        InetAddress any = InetAddress.getByName("0.0.0.0");
        try (LogLines lines = LogLines.of(SandboxKeyBinding.class)) {
            // the container image's: only a published port reaches it
            assertThat(customized(List.of(), List.of(), any).getAddress()).isEqualTo(any);

            assertThat(lines.lines()).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
                    .contains("server.address is 0.0.0.0").contains("anyone who reaches it"));
        }
    }

    private static TomcatServletWebServerFactory customized(List<String> api, List<String> admin, InetAddress address) {
        ServerProperties server = new ServerProperties();
        server.setAddress(address);
        TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
        factory.setAddress(address); // as Spring Boot's own customizer, which runs first, sets it
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("serverProperties", server);
        new SandboxKeyBinding(new SecurityProperties(api, admin), beans.getBeanProvider(ServerProperties.class))
                .customize(factory);
        return factory;
    }
}
