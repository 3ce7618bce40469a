package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import org.yaml.snakeyaml.Yaml;

/**
 * The container's stop grace period covers the hub's whole graceful stop. Spring's web drain (phase
 * {@code WebServerGracefulShutdownLifecycle}, up to {@code spring.lifecycle.timeout-per-shutdown-phase}) runs before
 * the Camel context stops (SpringCamelContext's phase is lower, so it stops later), and Camel then waits up to
 * {@code camel.main.shutdown-timeout} for its in-flight exchanges: one after the other. A grace period shorter than
 * their sum turns a drain into a SIGKILL (sends cut off, their answers lost).
 */
class StopGracePeriodTest {

    /** What stops after Camel (the broker session, the pool, the JVM) and the scheduler's slack. */
    private static final Duration MARGIN = Duration.ofSeconds(15);

    @Test
    void composeWaitsForTheWebDrainAndThenCamelsDrainBeforeItKillsTheHub() throws IOException {
        Map<String, Object> application = yaml(Path.of("src", "main", "resources", "application.yaml"));
        Duration webDrain = DurationStyle.detectAndParse(
                String.valueOf(at(application, "spring", "lifecycle", "timeout-per-shutdown-phase")));
        Duration camelDrain = Duration.ofSeconds(
                Long.parseLong(String.valueOf(at(application, "camel", "main", "shutdown-timeout"))));
        Duration grace = composeDuration(String.valueOf(at(yaml(Path.of("docker", "compose.yaml")),
                "services", "hub", "stop_grace_period")));

        assertThat(grace).as("stop_grace_period against %s + %s + %s", webDrain, camelDrain, MARGIN)
                .isGreaterThanOrEqualTo(webDrain.plus(camelDrain).plus(MARGIN));
    }

    /** Compose's durations: "45s", "1m30s", "2m". */
    private static Duration composeDuration(String value) {
        var parts = java.util.regex.Pattern.compile("(\\d+)(h|ms|m|s)").matcher(value);
        Duration total = Duration.ZERO;
        int end = 0;
        while (parts.find()) {
            assertThat(parts.start()).as(value).isEqualTo(end);
            end = parts.end();
            long n = Long.parseLong(parts.group(1));
            total = total.plus(switch (parts.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
        }
        assertThat(end).as(value).isEqualTo(value.length()).isPositive();
        return total;
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        return new Yaml().load(Files.readString(file));
    }

    @SuppressWarnings("unchecked")
    private static Object at(Map<String, Object> yaml, String... keys) {
        Object node = yaml;
        for (String key : keys) {
            node = ((Map<String, Object>) node).get(key);
            assertThat(node).as(String.join(".", keys)).isNotNull();
        }
        return node;
    }
}
