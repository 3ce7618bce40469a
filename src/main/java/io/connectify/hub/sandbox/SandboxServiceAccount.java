package io.connectify.hub.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The sandbox's Google service account: a fresh RSA key pair, the JSON key file the hub loads (its token_uri
 * points at the simulator), and the check that a JWT assertion was signed with that key.
 * <p>
 * The key pair is made on a thread of its own, and only once asked for ({@link #prepare()}, which the hub calls
 * when it is ready, or the first read of the key): generating a 2,048-bit RSA key pair took 0.4-0.5 s of CPU in the
 * middle of the start, on a machine whose two cores the start keeps busy. The key file's path is fixed at once, so
 * the Google client can be configured with it before the key exists.
 */
final class SandboxServiceAccount {

    static final String CLIENT_EMAIL = "connectify-sandbox@sandbox.iam.gserviceaccount.com";

    private final Path keyFile;
    private final CompletableFuture<KeyPair> keys = new CompletableFuture<>();
    private final CompletableFuture<Path> keyWritten;
    private final AtomicBoolean begun = new AtomicBoolean();

    SandboxServiceAccount(String tokenUri) {
        this.keyFile = ownerOnlyTempFile();
        this.keyWritten = keys.thenApply(pair -> writeKeyFile(keyFile, pair, tokenUri));
    }

    /** Begins making the key pair on a thread of its own, unless begun already; returns at once. */
    void prepare() {
        if (begun.compareAndSet(false, true)) {
            Thread thread = new Thread(() -> {
                try {
                    keys.complete(rsa2048());
                } catch (RuntimeException | Error e) {
                    keys.completeExceptionally(e);
                }
            }, "sandbox-google-key");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Where the key file is; it holds the key once {@link #keyFile()} returns. */
    Path keyPath() {
        return keyFile;
    }

    /** The key file, once the key pair is made (begun now if need be). */
    Path keyFile() {
        prepare();
        return await(keyWritten);
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
        prepare();
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

    private static KeyPair rsa2048() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes a key file shaped like the one Google hands out into the file made at construction. The file is not
     * created again if it is gone: the JVM's exit deletes it, and a key made while the JVM exits (a short training
     * run) must leave nothing behind.
     */
    private static Path writeKeyFile(Path file, KeyPair keys, String tokenUri) {
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
            Files.write(file, SimulatorHttp.JSON.writeValueAsBytes(key), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the sandbox service-account key", e);
        }
    }

    /** An empty file readable by its owner only, deleted when the JVM exits. */
    private static Path ownerOnlyTempFile() {
        try {
            Path file = createOwnerOnlyTempFile();
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the sandbox service-account key file", e);
        }
    }

    private static Path createOwnerOnlyTempFile() throws IOException {
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
