package io.connectify.hub.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;

import com.google.auth.oauth2.ServiceAccountCredentials;
import org.junit.jupiter.api.Test;

/** The sandbox's service-account key is made after the start, not during it, and never left behind. */
class SandboxServiceAccountTest {

    private static final String TOKEN_URI = "http://127.0.0.1:1/google/token";

    @Test
    void noKeyIsMadeUntilAskedForButItsOwnerOnlyFileIsThereAtOnce() throws Exception {
        SandboxServiceAccount account = new SandboxServiceAccount(TOKEN_URI);

        Path file = account.keyPath();
        assertThat(file).exists();
        assertThat(Files.size(file)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        account.prepare();
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.size(file) > 0);
        assertThat(account.keyFile()).isEqualTo(file);
        ServiceAccountCredentials key = ServiceAccountCredentials.fromStream(Files.newInputStream(file));
        assertThat(key.getClientEmail()).isEqualTo(SandboxServiceAccount.CLIENT_EMAIL);
        assertThat(key.getTokenServerUri()).hasToString(TOKEN_URI);
        String jwt = signedJwt(key.getPrivateKey());
        assertThat(account.signedByThisAccount(jwt)).isTrue();
        assertThat(new SandboxServiceAccount(TOKEN_URI).signedByThisAccount(jwt)).isFalse();
    }

    private static String signedJwt(PrivateKey key) throws Exception {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String signedPart = url.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + url.encodeToString("{\"scope\":\"calendar\"}".getBytes(StandardCharsets.UTF_8));
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(key);
        rs256.update(signedPart.getBytes(StandardCharsets.US_ASCII));
        return signedPart + "." + url.encodeToString(rs256.sign());
    }

    @Test
    void readingTheKeyFileMakesTheKeyIfNothingElseHas() throws Exception {
        SandboxServiceAccount account = new SandboxServiceAccount(TOKEN_URI);

        Path file = account.keyFile();

        assertThat(Files.readString(file, StandardCharsets.UTF_8)).contains("\"type\":\"service_account\"")
                .contains("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void aKeyMadeAfterItsFileWasDeletedOnExitLeavesNoFileBehind() throws Exception {
        SandboxServiceAccount account = new SandboxServiceAccount(TOKEN_URI);
        Files.delete(account.keyPath()); // as the JVM's exit does while the key is still being made

        assertThatThrownBy(account::keyFile).isInstanceOf(UncheckedIOException.class)
                .hasMessage("Cannot write the sandbox service-account key");
        assertThat(account.keyPath()).doesNotExist();
    }
}
