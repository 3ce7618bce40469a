package io.connectify.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hub whose start fails once Camel's context starts (here: a routes directory that does not exist) exits with
 * status 1 right after "Application run failed", so that its container is restarted. Before, the JVM stayed up
 * serving nothing, for good: the webhook inbox's journal timer, a thread that is no daemon, was never stopped.
 * The hub's main class in a JVM of its own, on this test's class path, test profile, in a directory of its own.
 */
class FailedStartExitTest {

    @Test
    void aStartThatFailsInCamelExitsWithStatus1(@TempDir Path workingDirectory) throws Exception {
        Path output = workingDirectory.resolve("hub.log");
        ProcessBuilder hub = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // C1 only, one GC thread: a JVM that only starts and exits gets there sooner so
                "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), ConnectifyHubApplication.class.getName(),
                "--spring.profiles.active=test", "--server.port=0", "--spring.main.banner-mode=off",
                "--camel.main.routes-include-pattern=file:" + workingDirectory.resolve("nonexistent") + "/*.camel.yaml")
                .directory(workingDirectory.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
        // none of the test run's provider credentials or overrides reaches it
        hub.environment().keySet().removeIf(name -> name.startsWith("CONNECTIFY_")
                || name.equals("SPRING_APPLICATION_JSON"));
        Process process = hub.start();
        try {
            await().atMost(Duration.ofMinutes(3)).until(() -> !process.isAlive()
                    || read(output).contains("Application run failed"));

            assertThat(read(output)).contains("Application run failed").contains("NoSuchFileException");
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exited after the failure").isTrue();
            assertThat(process.exitValue()).isEqualTo(1);
        } finally {
            process.destroyForcibly();
        }
    }

    private static String read(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output) : "";
    }
}
