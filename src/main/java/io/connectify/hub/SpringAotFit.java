package io.connectify.hub;

import org.apache.commons.logging.Log;
import org.springframework.aot.AotDetector;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Uses the bean definitions Spring AOT made at build time (the {@code process-aot} step in pom.xml) only for a
 * start they fit. Spring evaluated the bean set's conditions then, for the default profile with the embedded
 * broker, and a start with {@code -Dspring.aot.enabled=true} (docker/jvm.options) would keep them whatever it
 * configures. So a start with another profile ({@code scale-out}, as docker/compose.yaml runs the image) or with
 * the embedded broker switched off builds its beans from the configuration classes, as without the flag, and says
 * so in the log. Why AOT at all: the configuration classes and their conditions were a third of the start's main
 * thread; with the build's definitions the container's start was 0.8-2.7 s sooner (bench/RESULTS.md).
 * <p>
 * Runs after the config data (profiles, application-*.yaml) is read and before Spring creates the application
 * context, the first place the flag is read.
 */
public class SpringAotFit implements EnvironmentPostProcessor, Ordered {

    static final String FLAG = "spring.aot.enabled";
    static final String EMBEDDED_BROKER = "spring.artemis.embedded.enabled";

    private final Log log;

    public SpringAotFit(DeferredLogFactory logs) {
        this.log = logs.getLog(SpringAotFit.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!AotDetector.useGeneratedArtifacts()) {
            return;
        }
        String misfit = misfit(environment);
        if (misfit != null) {
            System.setProperty(FLAG, "false");
            log.info("Spring AOT's bean definitions are built for the default profile with the embedded broker; "
                    + misfit + ", so this start builds its beans without them");
        }
    }

    /** Why the build's bean definitions do not fit this environment, or null if they do. */
    static String misfit(ConfigurableEnvironment environment) {
        String[] profiles = environment.getActiveProfiles();
        if (profiles.length > 0) {
            return "profile " + String.join(",", profiles) + " is active";
        }
        if (!environment.getProperty(EMBEDDED_BROKER, Boolean.class, true)) {
            return EMBEDDED_BROKER + " is false";
        }
        return null;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after ConfigDataEnvironmentPostProcessor has set the active profiles
    }
}
