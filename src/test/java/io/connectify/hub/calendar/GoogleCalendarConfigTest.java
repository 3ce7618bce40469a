package io.connectify.hub.calendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;

import io.connectify.hub.sandbox.GoogleCalendarSimulator;
import io.connectify.hub.sandbox.SandboxServer;
import org.junit.jupiter.api.Test;

/** The sandbox's Google key is made once the hub is ready, without waiting for a first calendar call. */
class GoogleCalendarConfigTest {

    @Test
    void theSandboxKeyIsMadeWhenTheHubIsReady() throws Exception {
        try (SandboxServer server = new SandboxServer(0)) {
            GoogleCalendarConnection connection = GoogleCalendarConnection.sandbox(new GoogleCalendarSimulator(server));
            assertThat(Files.size(connection.keyFile())).isZero();

            new GoogleCalendarConfig().sandboxGoogleKeyOnReady(connection).onApplicationEvent(null);

            await().atMost(Duration.ofSeconds(20)).until(() -> Files.size(connection.keyFile()) > 0);
            assertThat(Files.readString(connection.keyFile())).contains("\"type\":\"service_account\"");
        }
    }
}
