package io.connectify.hub.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The sandbox's Google service account: a fresh RSA key pair, the JSON key file the hub loads (its token_uri
 * points at the simulator), and the check that a JWT assertion was signed with that key.
 * <p>
 * The key pair is made on a thread of its own: generating 2,048-bit RSA keys took 0.25-0.6 s of the start's one busy
 * thread (a tenth of it, JFR), while the second core was idle; the hub asks for the key file only when Camel
 * configures its Google component, seconds later.
 */
final class SandboxServiceAccount {

    static final String CLIENT_EMAIL = "connectify-sandbox@sandbox.iam.gserviceaccount.com";

    private final CompletableFuture<KeyPair> keys;
    private final CompletableFuture<Path> keyFile;

    SandboxServiceAccount(String tokenUri) {
        this.keys = CompletableFuture.supplyAsync(SandboxServiceAccount::rsa2048, SandboxServiceAccount::onItsOwnThread);
        this.keyFile = keys.thenApply(pair -> writeKeyFile(pair, tokenUri));
    }

    /** The key file, once the key pair is made. */
    Path keyFile() {
        return await(keyFile);
    }

    /** True when the compact JWT carries a valid RS256 signature by this account's key. */
    boolean signedByThisAccount(String jwt) {
        if (jwt == null) {
            return false;
        }
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            return false;
        }
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initVerify(await(keys).getPublic());
            rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return rs256.verify(Base64.getUrlDecoder().decode(parts[2]));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static <T> T await(CompletableFuture<T> result) {
        try {
            return result.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause
                    : new IllegalStateException("Cannot make the sandbox service-account key", e.getCause());
        }
    }

    private static void onItsOwnThread(Runnable task) {
        Thread thread = new Thread(task, "sandbox-google-key");
        thread.setDaemon(true);
        thread.start();
    }

    private static KeyPair rsa2048() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key file shaped like the one Google hands out, readable by its owner only, gone when the JVM exits. */
    private static Path writeKeyFile(KeyPair keys, String tokenUri) {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(keys.getPrivate().getEncoded()) // PKCS#8
                + "\n-----END PRIVATE KEY-----\n";
        Map<String, String> key = new LinkedHashMap<>();
        key.put("type", "service_account");
        key.put("project_id", "connectify-sandbox");
        key.put("private_key_id", UUID.randomUUID().toString().replace("-", ""));
        key.put("private_key", pem);
        key.put("client_email", CLIENT_EMAIL);
        key.put("client_id", "100000000000000000001");
        key.put("token_uri", tokenUri);
        try {
            Path file = ownerOnlyTempFile();
            try {
                file.toFile().deleteOnExit();
            } catch (IllegalStateException shuttingDown) {
                // the key is made on a thread of its own: the JVM may already be exiting (a short training run)
                Files.deleteIfExists(file);
                throw shuttingDown;
            }
            SimulatorHttp.JSON.writeValue(file.toFile(), key);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the sandbox service-account key", e);
        }
    }

    private static Path ownerOnlyTempFile() throws IOException {
        try {
            // created with the permissions set, so the key is never readable by others, not even briefly
            return Files.createTempFile("connectify-sandbox-gcal", ".json",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Path file = Files.createTempFile("connectify-sandbox-gcal", ".json");
            file.toFile().setReadable(false, false);
            file.toFile().setReadable(true, true);
            file.toFile().setWritable(false, false);
            file.toFile().setWritable(true, true);
            return file;
        }
    }
}
