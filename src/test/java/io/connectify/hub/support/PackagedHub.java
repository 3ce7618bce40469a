package io.connectify.hub.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The packaged hub (system property {@code hub.jar}, set by failsafe) as a separate process on a loopback port,
 * for the tests that kill it or run several of it. Its output goes to {@code target/packaged-hub/} for reading
 * after a failure. It binds any free port ({@code server.port=0}) and writes the one it bound to a file beside its
 * output (Spring Boot's WebServerPortFileWriter, asked for with {@code PORTFILE}): a port picked free here and bound
 * by the hub seconds later could be taken by another process in between.
 */
public final class PackagedHub implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The providers' credentials (a key path, secret key, API key or account SID makes a provider live). */
    private static final List<String> CREDENTIALS = List.of("connectify.gcal.key-path", "connectify.stripe.secret-key",
            "connectify.payrexx.api-key", "connectify.payrexx.instance-name", "connectify.twilio.account-sid",
            "connectify.twilio.api-key-sid", "connectify.twilio.api-key-secret", "connectify.twilio.auth-token",
            "connectify.sendgrid.api-key");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final String apiKey;
    private final Process process;
    private final Path output;
    private final Path portFile;
    /** The port the hub bound, once it has written it; -1 before. */
    private volatile int port = -1;

    private PackagedHub(String name, String apiKey, Process process, Path output, Path portFile) {
        this.name = name;
        this.apiKey = apiKey;
        this.process = process;
        this.output = output;
        this.portFile = portFile;
    }

    /**
     * Starts the jar with these arguments (plus server.port=0 and the file for the port it binds) and, as
     * docker/jvm.options does, Spring AOT asked for; {@link #awaitReady()} waits for its port and its readiness.
     */
    public static PackagedHub launch(String name, String apiKey, List<String> arguments) throws IOException {
        String jar = System.getProperty("hub.jar");
        assertThat(jar).as("the packaged hub (system property hub.jar)").isNotNull();
        Path logs = Files.createDirectories(Path.of("target", "packaged-hub"));
        String run = name + "-" + Instant.now().toEpochMilli();
        Path output = logs.resolve(run + ".log");
        Path portFile = logs.resolve(run + ".port").toAbsolutePath();
        Files.deleteIfExists(portFile);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dspring.aot.enabled=true", "-DPORTFILE=" + portFile, "-jar", jar, "--server.port=0",
                "--logging.level.root=WARN", "--logging.level.io.connectify=INFO"));
        command.addAll(arguments);
        // never live with a provider: a credential the caller does not give is set empty (arguments outrank the
        // environment), and none of the test run's CONNECTIFY_* variables (nor SPRING_APPLICATION_JSON) reaches it
        for (String credential : CREDENTIALS) {
            if (arguments.stream().noneMatch(argument -> argument.startsWith("--" + credential + "="))) {
                command.add("--" + credential + "=");
            }
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(variable -> variable.toUpperCase(Locale.ROOT).startsWith("CONNECTIFY_")
                || variable.equalsIgnoreCase("SPRING_APPLICATION_JSON") || variable.equalsIgnoreCase("PORTFILE"));
        Process process = builder.start();
        return new PackagedHub(name, apiKey, process, output, portFile);
    }

    /**
     * The arguments that point a packaged hub at the test's Google Calendar simulator and Stripe fake, with this API
     * key, no booking buffer and the sandbox for the other providers; then {@code more}.
     */
    public static List<String> withFakes(String apiKey, io.connectify.hub.sandbox.GoogleCalendarSimulator google,
                                         StripeFake stripe, String... more) {
        List<String> arguments = new ArrayList<>(List.of(
                "--connectify.security.api-keys=" + apiKey,
                "--connectify.security.admin-keys=" + apiKey,
                "--connectify.gcal.key-path=" + google.serviceAccountKeyFile(),
                "--connectify.gcal.root-url=" + google.rootUrl(),
                "--connectify.stripe.secret-key=" + StripeFake.SECRET_KEY,
                "--connectify.stripe.webhook-secrets=" + StripeFake.WEBHOOK_SECRET,
                "--connectify.stripe.api-base=" + stripe.apiBase(),
                "--connectify.availability.buffer=0m",
                "--connectify.sandbox.port=0"));
        arguments.addAll(List.of(more));
        return arguments;
    }

    /**
     * This hub, once it has written the port it bound and its readiness answers 200. A hub that is not ready in time
     * is killed before the failure is thrown: the caller never gets it to close, and left running (a test's
     * try-with-resources takes only what this returned) it held its port and the cores through the rest of the build.
     */
    public PackagedHub awaitReady() throws InterruptedException {
        try {
            await(name + " ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
                // a hub that stopped says why in the failure itself: CI keeps the test output, not target/packaged-hub/
                assertThat(process.isAlive()).as(() -> name + " is running; it exited with " + process.exitValue()
                        + ", its output:\n" + whyItStopped()).isTrue();
                if (!readPort()) {
                    return false; // its web server has not started yet
                }
                try {
                    return get("/actuator/health/readiness").statusCode() == 200;
                } catch (IOException notYet) {
                    return false;
                }
            });
        } catch (RuntimeException | AssertionError notReady) {
            kill();
            throw notReady;
        }
        return this;
    }

    /**
     * Whether the hub has written the port it bound; read again at each look until it is ready, as the file may exist
     * a moment before its digits do.
     */
    private boolean readPort() throws IOException {
        if (!Files.exists(portFile)) {
            return false;
        }
        String written = Files.readString(portFile).trim();
        if (written.isEmpty()) {
            return false;
        }
        port = Integer.parseInt(written);
        assertThat(port).as(name + "'s port, from " + portFile).isPositive();
        return true;
    }

    /** The output's ERROR, WARN and "Caused by" lines (where a failed start says why), then its last lines. */
    private String whyItStopped() {
        try {
            List<String> lines = Files.readAllLines(output);
            List<String> telling = lines.stream().filter(line -> line.contains(" ERROR ") || line.contains(" WARN ")
                    || line.startsWith("Caused by:")).toList();
            return String.join("\n", telling) + "\n...\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException unreadable) {
            return "(unreadable: " + unreadable + ")";
        }
    }

    /** What the hub has written to its standard output and error so far. */
    public String output() throws IOException {
        return Files.readString(output);
    }

    public String name() {
        return name;
    }

    /** The port the hub bound, known once {@link #awaitReady()} has returned. */
    public int port() {
        assertThat(port).as(name + "'s port: known once it is ready").isPositive();
        return port;
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return call(path, null, null);
    }

    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return call(path, json, null);
    }

    /** A Stripe webhook delivery, signed now with the test's webhook secret. */
    public HttpResponse<String> stripeWebhook(String payload) throws IOException, InterruptedException {
        return call("/webhooks/stripe", payload,
                StripeFake.signature(payload, Instant.now().getEpochSecond(), StripeFake.WEBHOOK_SECRET));
    }

    public JsonNode json(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(name + " GET " + path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** The value of one Prometheus sample whose line starts with this metric name and contains the label text. */
    public double metric(String name, String label) throws IOException, InterruptedException {
        return get("/actuator/prometheus").body().lines()
                .filter(line -> line.startsWith(name + "{") && line.contains(label))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private HttpResponse<String> call(String path, String body, String stripeSignature)
            throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(20)).header("X-API-Key", apiKey);
        if (body != null) {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        if (stripeSignature != null) {
            request.header("Stripe-Signature", stripeSignature);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** SIGKILL: no shutdown hook, no drain. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
