package io.connectify.hub.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Google service-account key files made for a test, pointing their token_uri at a fake. */
public final class TestKeys {

    private TestKeys() {
    }

    public static Path serviceAccountKeyFile(String tokenUri) {
        try {
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            var pair = generator.generateKeyPair();
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            Map<String, String> key = Map.of(
                    "type", "service_account",
                    "project_id", "connectify-test",
                    "private_key_id", "test-key-id",
                    "private_key", pem,
                    "client_email", "hub-test@connectify-test.iam.gserviceaccount.com",
                    "client_id", "1234567890",
                    "token_uri", tokenUri);
            Path file = Files.createTempFile("gcal-test-key", ".json");
            file.toFile().deleteOnExit();
            new ObjectMapper().writeValue(file.toFile(), key);
            return file;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
