package io.connectify.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.mock.env.MockEnvironment;

/** A start that asks for Spring AOT keeps it only in the environment the build's bean definitions were made for. */
class SpringAotFitTest {

    private final List<Object> logged = new ArrayList<>();
    private String before;

    @BeforeEach
    void askForAot() {
        before = System.getProperty(SpringAotFit.FLAG);
        System.setProperty(SpringAotFit.FLAG, "true");
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(SpringAotFit.FLAG);
        } else {
            System.setProperty(SpringAotFit.FLAG, before);
        }
    }

    @Test
    void theDefaultProfileWithTheEmbeddedBrokerKeepsAot() {
        fit(new MockEnvironment());

        assertThat(System.getProperty(SpringAotFit.FLAG)).isEqualTo("true");
        assertThat(logged).isEmpty();
    }

    @Test
    void anotherProfileStartsWithoutAot() {
        MockEnvironment environment = new MockEnvironment();
        environment.setActiveProfiles("scale-out");

        fit(environment);

        assertThat(System.getProperty(SpringAotFit.FLAG)).isEqualTo("false");
        assertThat(logged).singleElement().asString().contains("profile scale-out is active");
    }

    @Test
    void anExternalBrokerStartsWithoutAot() {
        fit(new MockEnvironment().withProperty(SpringAotFit.EMBEDDED_BROKER, "false"));

        assertThat(System.getProperty(SpringAotFit.FLAG)).isEqualTo("false");
        assertThat(logged).singleElement().asString().contains("spring.artemis.embedded.enabled is false");
    }

    @Test
    void withoutTheFlagNothingChanges() {
        System.clearProperty(SpringAotFit.FLAG);
        MockEnvironment environment = new MockEnvironment();
        environment.setActiveProfiles("scale-out");

        fit(environment);

        assertThat(System.getProperty(SpringAotFit.FLAG)).isNull();
        assertThat(logged).isEmpty();
    }

    private void fit(MockEnvironment environment) {
        DeferredLogFactory logs = destination -> new org.apache.commons.logging.impl.NoOpLog() {
            @Override
            public void info(Object message) {
                logged.add(message);
            }
        };
        new SpringAotFit(logs).postProcessEnvironment(environment, new SpringApplication());
    }
}
