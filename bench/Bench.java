import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Benchmarks of the packaged hub on loopback (run: see bench/README.md). Starts the jar, measures the time to ready
 * and the idle RSS, then drives signed Stripe webhooks (verify, dedupe, durable enqueue, 200) and, in the same run,
 * the hub's liveness endpoint (a Spring MVC endpoint that only answers 200: the machine's ceiling) at 16 and 64
 * connections, and the RSS under load. Bounded in time; talks to 127.0.0.1 only.
 */
public class Bench {

    static final String SECRET = "whsec_bench";
    static final String KEY = "bench-key";

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args.length > 0 ? args[0] : "target/connectify-hub-0.1.0-SNAPSHOT.jar");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Path data = Files.createTempDirectory("hub-bench");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long started = System.nanoTime();
        Process hub = new ProcessBuilder("java", "-Xmx512m", "-jar", jar.toString(), "--server.port=" + port,
                "--spring.datasource.url=jdbc:h2:file:" + data.resolve("db") + ";WRITE_DELAY=0",
                "--spring.artemis.embedded.data-directory=" + data.resolve("artemis"),
                "--connectify.security.api-keys=" + KEY, "--connectify.security.admin-keys=" + KEY,
                "--connectify.stripe.secret-key=sk_bench", "--connectify.stripe.webhook-secrets=" + SECRET,
                "--connectify.stripe.api-base=http://127.0.0.1:9", "--logging.level.root=WARN")
                .redirectErrorStream(true).redirectOutput(data.resolve("hub.log").toFile()).start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(64)).build();
        String base = "http://127.0.0.1:" + port;
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health/readiness")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        double ready = (System.nanoTime() - started) / 1e9;
        Thread.sleep(2000);
        long idleRss = rss(hub.pid());
        System.out.printf("ready_seconds=%.2f idle_rss_mb=%d%n", ready, idleRss / 1024);
        try {
            for (int connections : new int[] {16, 64}) {
                run("warm-up", http, base, connections, 3, true);
                Result bare = run("bare", http, base, connections, seconds, false);
                Result hook = run("webhook", http, base, connections, seconds, true);
                System.out.printf("connections=%d bare_rps=%.0f bare_p50_ms=%.2f bare_p99_ms=%.2f "
                                + "webhook_rps=%.0f webhook_p50_ms=%.2f webhook_p99_ms=%.2f ratio=%.2f errors=%d%n",
                        connections, bare.rps, bare.p50, bare.p99, hook.rps, hook.p50, hook.p99, hook.rps / bare.rps,
                        hook.errors + bare.errors);
            }
            System.out.printf("load_rss_mb=%d%n", rss(hub.pid()) / 1024);
        } finally {
            hub.destroy();
            hub.waitFor();
        }
    }

    record Result(double rps, double p50, double p99, long errors) {
    }

    static final AtomicLong EVENTS = new AtomicLong();

    static Result run(String what, HttpClient http, String base, int connections, int seconds, boolean webhook)
            throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<List<Long>> latencies = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            List<Long> mine = new ArrayList<>();
            latencies.add(mine);
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    try {
                        HttpRequest request = webhook ? signed(base) : HttpRequest.newBuilder(
                                URI.create(base + "/actuator/health/liveness")).build();
                        long t0 = System.nanoTime();
                        int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        mine.add(System.nanoTime() - t0);
                        if (status != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        List<Long> all = new ArrayList<>();
        latencies.forEach(all::addAll);
        Collections.sort(all);
        if (all.isEmpty()) {
            return new Result(0, 0, 0, errors.get());
        }
        return new Result(all.size() / (double) seconds, all.get(all.size() / 2) / 1e6,
                all.get((int) (all.size() * 0.99)) / 1e6, errors.get());
    }

    static HttpRequest signed(String base) throws Exception {
        long n = EVENTS.incrementAndGet();
        String payload = "{\"id\":\"evt_bench_" + n + "\",\"object\":\"event\",\"type\":\"checkout.session.completed\","
                + "\"data\":{\"object\":{\"id\":\"cs_" + n + "\",\"object\":\"checkout.session\",\"payment_status\":\"paid\","
                + "\"metadata\":{\"bookingId\":\"00000000-0000-4000-8000-000000000000\"}}}}";
        long ts = System.currentTimeMillis() / 1000;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String sig = HexFormat.of().formatHex(mac.doFinal((ts + "." + payload).getBytes(StandardCharsets.UTF_8)));
        return HttpRequest.newBuilder(URI.create(base + "/webhooks/stripe")).header("Content-Type", "application/json")
                .header("Stripe-Signature", "t=" + ts + ",v1=" + sig)
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build();
    }

    static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
