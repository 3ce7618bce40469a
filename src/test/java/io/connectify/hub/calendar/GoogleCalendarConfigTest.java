package io.connectify.hub.calendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.sandbox.GoogleCalendarSimulator;
import io.connectify.hub.sandbox.SandboxServer;
import io.connectify.hub.support.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sandbox's Google key is made once the hub is ready, without waiting for a first calendar call; a live key that
 * does not parse stops the start (the client reads it only at the first call), without a word of the key.
 */
class GoogleCalendarConfigTest {

    private static final String SECRET_PART = "c2VjcmV0LWtleS1tYXRlcmlhbA";

    @ParameterizedTest
    @ValueSource(strings = {
            "not json at all " + SECRET_PART,
            "{\"type\":\"service_account\",\"client_email\":\"hub@p.iam.gserviceaccount.com\",\"client_id\":\"1\","
                    + "\"private_key_id\":\"k1\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\n" + SECRET_PART
                    + "\\n-----END PRIVATE KEY-----\\n\"}",
            "{\"type\":\"authorized_user\",\"client_id\":\"1\",\"client_secret\":\"" + SECRET_PART + "\"}"})
    void aLiveKeyThatDoesNotParseStopsTheStart(String content, @TempDir Path dir) throws Exception {
        Path key = Files.writeString(dir.resolve("key.json"), content);

        assertThatThrownBy(() -> new GoogleCalendarConfig().googleCalendarConnection(live(key), null))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("connectify.gcal.key-path does not hold a Google service-account key")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET_PART))
                .hasNoCause();
    }

    @Test
    void aLiveKeyThatParsesIsTaken() {
        Path key = TestKeys.serviceAccountKeyFile("http://127.0.0.1:1/token");

        GoogleCalendarConnection connection = new GoogleCalendarConfig().googleCalendarConnection(live(key), null);

        assertThat(connection.live()).isTrue();
        assertThat(connection.keyFile()).isEqualTo(key);
    }

    private static GoogleCalendarProperties live(Path key) {
        return new GoogleCalendarProperties(key.toString(), "primary", "https://www.googleapis.com/", "hub",
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofDays(92));
    }

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
