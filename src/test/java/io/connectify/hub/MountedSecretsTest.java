package io.connectify.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import io.connectify.hub.payment.stripe.StripeProperties;
import io.connectify.hub.security.SecurityProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Secrets from mounted files, as application.yaml and the README say: a file named like a property in the secrets
 * directory (CONNECTIFY_SECRETS_DIR, /run/secrets/ by default: Docker's secrets) sets that property; the command line
 * and the environment still win. Before, nothing read such files. The application's own config data, with two properties
 * records bound from it.
 */
class MountedSecretsTest {

    @Test
    void aFileNamedLikeAPropertySetsIt(@TempDir Path secrets) throws Exception {
        Files.writeString(secrets.resolve("connectify.stripe.secret-key"), "sk_live_from_a_file\n");
        Files.writeString(secrets.resolve("connectify.security.api-keys"), "key-one,key-two\n");

        try (ConfigurableApplicationContext context = start("--CONNECTIFY_SECRETS_DIR=" + secrets + "/")) {
            StripeProperties stripe = context.getBean(StripeProperties.class);
            assertThat(stripe.live()).isTrue();
            assertThat(stripe.secretKey()).isEqualTo("sk_live_from_a_file"); // the file's newline dropped
            assertThat(context.getBean(SecurityProperties.class).apiKeys()).containsExactly("key-one", "key-two");
        }
    }

    /** Config data ranks below the command line and the environment alike. */
    @Test
    void aCommandLineArgumentWinsOverAFile(@TempDir Path secrets) throws Exception {
        Files.writeString(secrets.resolve("connectify.stripe.secret-key"), "sk_live_from_a_file");

        try (ConfigurableApplicationContext context = start("--CONNECTIFY_SECRETS_DIR=" + secrets + "/",
                "--connectify.stripe.secret-key=sk_live_from_the_command_line")) {
            assertThat(context.getBean(StripeProperties.class).secretKey()).isEqualTo("sk_live_from_the_command_line");
        }
    }

    @Test
    void noSecretsDirectoryIsNoSecret(@TempDir Path empty) {
        try (ConfigurableApplicationContext context = start("--CONNECTIFY_SECRETS_DIR=" + empty.resolve("none") + "/")) {
            assertThat(context.getBean(StripeProperties.class).live()).isFalse();
        }
    }

    /**
     * A secret file that is listed but cannot be read (here a dangling link; no permission for the hub's user fails
     * the same way) ends the start in one block naming the file and what to do, its content never printed. Before,
     * "Application run failed" and seven nested causes, the file named only in the last.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aSecretFileThatCannotBeReadIsOneDescriptionAndAction(@TempDir Path secrets, CapturedOutput output)
            throws Exception {
        Path file = Files.createSymbolicLink(secrets.resolve("connectify.stripe.secret-key"), secrets.resolve("gone"));

        assertThatThrownBy(() -> start("--CONNECTIFY_SECRETS_DIR=" + secrets + "/"));

        assertThat(output.getAll()).contains("APPLICATION FAILED TO START");
        String report = output.getAll().substring(output.getAll().lastIndexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains("Description:", "A secret file in CONNECTIFY_SECRETS_DIR cannot be read",
                        file.toString(), "Action:", "Make the file readable by the hub's user")
                .doesNotContain("Caused by").doesNotContain("\tat ");
        assertThat(output.getAll()).doesNotContain("Application run failed");
    }

    private static ConfigurableApplicationContext start(String... arguments) {
        return new SpringApplicationBuilder(SecretsOnly.class).web(WebApplicationType.NONE).run(arguments);
    }

    @EnableConfigurationProperties({StripeProperties.class, SecurityProperties.class})
    static class SecretsOnly {
    }
}
