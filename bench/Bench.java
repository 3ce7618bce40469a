import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.DriverManager;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

/**
 * Benchmarks of the packaged hub in sandbox mode on loopback (how to run: bench/README.md). Talks to 127.0.0.1
 * only and is bounded in time. Prints one line per figure; RESULTS.md records them.
 *
 * 1. Default hub (H2 + embedded broker): time to ready, RSS idle; signed Stripe webhooks against the bare liveness
 *    endpoint at 16 and 64 connections (wrk, closed loop) and at a fixed 1,000 events/s (open loop, latency from
 *    the intended send time; right after the bursts, then steady); the booking flow; RSS after load.
 * 2. Scale-out profile (PostgreSQL + Artemis over TCP, both embedded in this JVM): one instance, then two, for
 *    webhook ingest and the booking flow.
 */
public class Bench {

    static final String SECRET = "whsec_bench";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newFixedThreadPool(16)).build();
    static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    /** Micrometer's jvm_buffer_memory_used_bytes{id="direct"} (and "mapped"). */
    static final Pattern BUFFER_POOL = Pattern.compile("^jvm_buffer_memory_used_bytes\\{.*id=\"([a-z -]+)\".*\\} (\\S+)");
    static final Pattern NMT_MALLOC = Pattern.compile("^malloc: (\\d+MB) #\\d+, peak=(\\d+MB) #\\d+$");
    static final Pattern NMT_CATEGORY = Pattern.compile("^-?\\s*(Total|[A-Z][A-Za-z ]+?):? ?\\(?reserved=\\d+MB, committed=(\\d+)MB");
    static final Pattern WRK_ERRORS = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    /**
     * The container's JVM flags (docker/jvm.options): the benchmark measures the hub as the image starts it.
     * {@code -Dbench.options=<file>} swaps in another flags file (a collector other than G1 cannot go on top).
     */
    static final Path JVM_OPTIONS = Path.of(System.getProperty("bench.options", "docker/jvm.options")).toAbsolutePath();
    /** The container's Java is 25 (docker/Dockerfile); the hub runs on the JDK that runs this benchmark. */
    static final int CONTAINER_JAVA = 25;
    /**
     * Starts of the container's launch in the startup part ({@code -Dbench.startup.starts}): one start on this
     * machine, whose speed changes by half within minutes, says little; each is printed, then their median.
     */
    static final int CONTAINER_STARTS = Integer.getInteger("bench.startup.starts", 5);
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    /**
     * Environment variables to try for the hub, e.g. {@code -Dbench.env=MALLOC_TRIM_THRESHOLD_=65536} (comma-separated
     * NAME=value pairs; a diagnostic, as {@code bench.jvm} is for flags).
     */
    static final Map<String, String> EXTRA_ENVIRONMENT = Stream.of(System.getProperty("bench.env", "").split(","))
            .filter(pair -> pair.contains("="))
            .collect(Collectors.toMap(pair -> pair.substring(0, pair.indexOf('=')),
                    pair -> pair.substring(pair.indexOf('=') + 1)));

    /** JVM flags to try on top of them, e.g. {@code -Dbench.jvm="-Xmx256m"} (a later flag wins). */
    static final List<String> EXTRA_JVM_FLAGS = List.of(System.getProperty("bench.jvm", "").split("\\s+")).stream()
            .filter(flag -> !flag.isBlank()).toList();
    static Path work;
    static Path jar;
    /** How the image starts the hub (extracted jar, ahead-of-time cache); set by prepareContainerLaunch(). */
    static List<String> containerLaunch;
    static int seconds;

    public static void main(String[] args) throws Exception {
        jar = Path.of(args.length > 0 ? args[0] : "target/connectify-hub-0.1.0-SNAPSHOT.jar").toAbsolutePath();
        if (!Files.isRegularFile(JVM_OPTIONS)) {
            throw new IllegalStateException("run from the repository's root: " + JVM_OPTIONS + " is missing");
        }
        if (Runtime.version().feature() < CONTAINER_JAVA) {
            throw new IllegalStateException("run the benchmark with Java " + CONTAINER_JAVA + " or newer (the image's "
                    + "runtime and the flags of docker/jvm.options); this is " + Runtime.version());
        }
        seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        work = Files.createTempDirectory("hub-bench");
        // the broker embedded here for the scale-out runs would otherwise log every message at INFO
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        writeWrkScript();
        // a third argument runs one part: "startup" (the three launches), "default" (the default hub only),
        // "fixed" (the default hub's warm-up and the fixed-rate runs only: a quick check of JVM flags), "ingest"
        // (its warm-up and the ingest rounds only), "flow" (the default part without its ingest rounds: a quicker check
        // of the memory at the booking flow's end) or
        // "scaleout" (one and two instances on PostgreSQL and an external broker)
        String only = args.length > 2 ? args[2] : "all";
        printKernelMemoryMonitor();
        if (!only.equals("startup")) {
            requireWrk();
        }
        prepareContainerLaunch();
        if (only.equals("fixed")) {
            warmedDefaultHub(Bench::fixedRateWithGarbage);
            System.exit(0);
        }
        if (only.equals("ingest")) {
            warmedDefaultHub(Bench::ingest);
            System.exit(0);
        }
        if (only.equals("flow")) {
            // a quicker check of the memory at the booking flow's end: the default part without its ingest rounds
            warmedDefaultHub(hub -> {
                fixedRateWithGarbage(hub);
                bookingFlowAndMemory(hub);
            });
            System.exit(0);
        }
        if (only.equals("scaleout")) {
            scaleOut();
            System.exit(0);
        }
        if (!only.equals("default")) {
            startup();
        }
        if (!only.equals("startup")) {
            defaultHub();
        }
        if (only.equals("all")) {
            scaleOut();
        }
        System.exit(0);
    }

    /** Fails at once when wrk is missing, rather than minutes in, after the training run and the first start. */
    static void requireWrk() throws InterruptedException {
        try {
            new ProcessBuilder("wrk", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException notInstalled) {
            throw new IllegalStateException("wrk is not on the PATH (Debian: apt-get install wrk); every part but "
                    + "startup uses it as the closed-loop load generator", notInstalled);
        }
    }

    /**
     * Whether the kernel's DAMON monitor runs, and how often it samples: on this workplace's virtual machine a
     * kdamond thread samples physical memory every 500 ms (with a pageout scheme), and each time it runs the hub's
     * and the sender's threads stall for 20-45 ms: the fixed-rate runs' slow requests come in episodes about 540
     * ms apart, nearly all within 80 ms of kdamond's CPU time rising (bench/RESULTS.md). Printed so that
     * figures from machines with and without it are not compared unawares.
     */
    static void printKernelMemoryMonitor() {
        Path kdamonds = Path.of("/sys/kernel/mm/damon/admin/kdamonds");
        List<String> running = new ArrayList<>();
        if (Files.isDirectory(kdamonds)) {
            try (var dirs = Files.list(kdamonds)) {
                for (Path kdamond : dirs.filter(Files::isDirectory).sorted().toList()) {
                    Path sample = kdamond.resolve("contexts/0/monitoring_attrs/intervals/sample_us");
                    if (Files.readString(kdamond.resolve("state")).strip().equals("on") && Files.exists(sample)) {
                        running.add(Files.readString(sample).strip());
                    }
                }
            } catch (IOException unreadable) { // a note about the machine: never a reason to stop the benchmark
                System.out.println("kernel_damon unreadable: " + unreadable);
                return;
            }
        }
        System.out.printf("kernel_damon kdamonds_on=%d sample_us=%s%n", running.size(),
                running.isEmpty() ? "-" : String.join(",", running));
    }

    // ---- 0. startup: the fat jar against the container's layout ---------------------------------------

    /**
     * Lays the hub out as docker/Dockerfile does: the extracted jar (a plain jar with lib/ beside it) and an
     * ahead-of-time cache (JEP 483) from the image's training run (docker/aot-training.sh: the hub started on its
     * sandbox defaults and stopped once ready), both with the container's JVM flags.
     */
    static void prepareContainerLaunch() throws Exception {
        Path app = work.resolve("app");
        run(List.of(JAVA, "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination", app.toString()));
        Path extracted = app.resolve(jar.getFileName());
        Path cache = app.resolve("application.aot");
        List<String> flags = new ArrayList<>(List.of("@" + JVM_OPTIONS));
        flags.addAll(EXTRA_JVM_FLAGS);
        // as the image runs it: its flags through JDK_JAVA_OPTIONS, the benchmark's Java 25
        run(List.of("bash", Path.of("docker/aot-training.sh").toAbsolutePath().toString(), cache.toString(),
                extracted.toString(), String.valueOf(freePort())),
                Map.of("JAVA", JAVA, "JDK_JAVA_OPTIONS", String.join(" ", flags), "MALLOC_ARENA_MAX", "2"));
        containerLaunch = java("-XX:AOTCache=" + cache, "-jar", extracted.toString());
    }

    /** A java command line with the container's JVM flags and the extra ones. */
    static List<String> java(String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA, "@" + JVM_OPTIONS));
        command.addAll(EXTRA_JVM_FLAGS);
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Time to ready and idle RSS three ways, all with the container's JVM flags: the fat jar ({@code java -jar
     * target/...jar}), the extracted jar, and the extracted jar with its ahead-of-time cache, which is how
     * docker/Dockerfile starts the hub.
     */
    static void startup() throws Exception {
        Path extracted = work.resolve("app").resolve(jar.getFileName());
        record Variant(String name, List<String> launch, int starts) {
        }
        for (Variant v : List.of(new Variant("fat_jar", java("-jar", jar.toString()), 1),
                new Variant("extracted", java("-jar", extracted.toString()), 1),
                new Variant("extracted_aot", containerLaunch, CONTAINER_STARTS))) {
            List<Double> ready = new ArrayList<>();
            for (int start = 1; start <= v.starts; start++) {
                Hub hub = Hub.start("startup-" + v.name + "-" + start, v.launch, List.of());
                Thread.sleep(3000);
                System.out.printf(Locale.ROOT, "startup launch=%s ready_seconds=%.2f idle_rss_mb=%d%n", v.name,
                        hub.readySeconds, hub.rssMb());
                hub.stop();
                ready.add(hub.readySeconds);
            }
            if (v.starts > 1) {
                Collections.sort(ready);
                System.out.printf(Locale.ROOT, "startup launch=%s starts=%d ready_median_seconds=%.2f "
                                + "ready_min_seconds=%.2f ready_max_seconds=%.2f under_5_s=%d%n", v.name, v.starts,
                        ready.get(ready.size() / 2), ready.get(0), ready.get(ready.size() - 1),
                        ready.stream().filter(seconds -> seconds < 5).count());
            }
        }
    }

    static void run(List<String> command) throws Exception {
        run(command, Map.of());
    }

    static void run(List<String> command, Map<String, String> environment) throws Exception {
        Files.createDirectories(work.resolve("train"));
        // in a directory of its own: the hub's defaults keep their data under ./data
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.resolve("train").toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("tools.log").toFile());
        builder.environment().putAll(environment);
        Process p = builder.start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(command + " failed; see " + work.resolve("tools.log"));
        }
    }

    // ---- 1. the default hub -------------------------------------------------------------------------------

    static void defaultHub() throws Exception {
        warmedDefaultHub(hub -> {
            ingest(hub);
            fixedRateWithGarbage(hub);
            bookingFlowAndMemory(hub);
        });
    }

    /** The booking flow on a drained hub, then its RSS at the flow's end and 5 s later. */
    static void bookingFlowAndMemory(Hub hub) throws Exception {
        drain(hub);
        Latency flow = bookingFlow(List.of(hub), 8, seconds, 0);
        System.out.printf(Locale.ROOT, "booking_flow instances=1 db=h2 clients=8 bookings_per_s=%.1f p50_ms=%.0f "
                + "p99_ms=%.0f errors=%d%n", flow.rate, flow.p50, flow.p99, flow.errors);
        System.out.printf("after_flow_rss_mb=%d %s%n", hub.rssMb(), hub.rssSplit());
        // and once the load has stopped: what the flow's requests and threads still held at its end is freed
        // within seconds (7-18 MB in the twenty-fourth session's runs, bench/RESULTS.md)
        Thread.sleep(5000);
        System.out.printf("settled_rss_mb=%d %s%n", hub.rssMb(), hub.rssSplit());
    }

    /** Measurements of a running hub. */
    interface HubRun {
        void measure(Hub hub) throws Exception;
    }

    /**
     * Starts the default hub (time to ready, idle RSS), warms it up, measures it and stops it: all of its
     * measurements, or one part ("ingest", "fixed") for a quicker check of a setting.
     */
    static void warmedDefaultHub(HubRun run) throws Exception {
        Hub hub = startDefaultHub();
        try {
            warmUp(List.of(hub));
            run.measure(hub);
        } finally {
            hub.stop();
        }
    }

    /** Signed webhooks against the bare endpoint, closed loop at 16 and 64 connections. */
    static void ingest(Hub hub) throws Exception {
        for (int connections : new int[] {16, 64}) {
            // bare and webhook runs take turns, three of each: this machine's speed drifts by half within
            // minutes, and one long run of each would put that drift into the ratio
            List<Wrk> bare = new ArrayList<>();
            List<Wrk> hooks = new ArrayList<>();
            List<String> ratios = new ArrayList<>();
            List<String> rates = new ArrayList<>();
            for (int round = 0; round < INGEST_ROUNDS; round++) {
                drain(hub);
                bare.add(wrk(hub.base + "/actuator/health/liveness", connections, roundSeconds(), false));
                drain(hub);
                hooks.add(wrk(hub.base, connections, roundSeconds(), true));
                ratios.add(String.format(Locale.ROOT, "%.2f", hooks.get(round).rps / bare.get(round).rps));
                // both rates of each round: whether a round's ratio moved with the webhooks or the bare endpoint
                rates.add(String.format(Locale.ROOT, "%.0f/%.0f", bare.get(round).rps, hooks.get(round).rps));
            }
            Wrk b = Wrk.combine(bare);
            Wrk h = Wrk.combine(hooks);
            System.out.printf(Locale.ROOT, "ingest connections=%d bare_rps=%.0f bare_p50_ms=%.2f bare_p99_ms=%.2f "
                            + "webhook_rps=%.0f webhook_p50_ms=%.2f webhook_p99_ms=%.2f ratio=%.2f "
                            + "round_ratios=%s round_rates=%s errors=%d%n",
                    connections, b.rps, b.p50, b.p99, h.rps, h.p50, h.p99, h.rps / b.rps,
                    String.join(",", ratios), String.join(",", rates), b.errors + h.errors);
        }
    }

    /** Starts the default hub and reports its time to ready and its idle RSS. */
    static Hub startDefaultHub() throws Exception {
        Hub hub = Hub.start("default", List.of());
        System.out.printf("ready_seconds=%.2f%n", hub.readySeconds);
        Thread.sleep(3000);
        System.out.printf("idle_rss_mb=%d %s%n", hub.rssMb(), hub.rssSplit());
        return hub;
    }

    /**
     * Signed webhooks at a fixed 1,000/s, twice: right after the burst rounds, then on the hub that has just run at
     * that rate. The warm-up and the ingest rounds are closed-loop bursts, during which the inbox's forwarder sends
     * one event per transaction; at a steady rate it lingers and batches, a path C2 was still compiling in the
     * first seconds of the first run (a fifth of a core, against 0.01-0.06 in the second), while G1 worked off the
     * old generation the bursts had filled (young pauses up to 20 ms). The second run is the steady state the 1,000/s
     * target means; the first stays reported, as what the rate sees in the seconds after a burst (bench/RESULTS.md).
     * Then RSS under that load, and the garbage each webhook made.
     */
    static void fixedRateWithGarbage(Hub hub) throws Exception {
        fixedRateRun(hub, "fixed_rate_after_bursts");
        drain(hub);
        double[] before = allocatedAndWebhooks(hub);
        fixedRateRun(hub, "fixed_rate");
        System.out.printf("load_rss_mb=%d %s%n", hub.rssMb(), hub.rssSplit());
        drain(hub);
        double[] after = allocatedAndWebhooks(hub);
        // whole process, queue consumer included: what each event costs the collector, steadier than timings
        System.out.printf(Locale.ROOT, "allocated_kb_per_webhook=%.1f%n",
                (after[0] - before[0]) / (after[1] - before[1]) / 1000);
    }

    /** One fixed-rate run of {@link #seconds} from a drained queue, its figures printed under {@code label}. */
    static void fixedRateRun(Hub hub, String label) throws Exception {
        drain(hub);
        double[] cpuBefore = hub.cpuSeconds();
        Map<Double, Double> serverBefore = webhookLatencyBuckets(hub);
        Latency fixed = fixedRate(List.of(hub), 1000, seconds, 64);
        double[] cpuAfter = hub.cpuSeconds();
        // events still queued when the last one was answered: whether processing kept pace with the ingest;
        // sent_late: requests sent more than 10 ms after they were due (no connection free, or the sender not run)
        System.out.printf(Locale.ROOT, "%s target_per_s=1000 connections=64 achieved_per_s=%.0f p50_ms=%.2f "
                        + "p99_ms=%.2f errors=%d queued_after=%.0f sent_late=%d%n", label, fixed.rate, fixed.p50,
                fixed.p99, fixed.errors, queueDepth(hub), fixed.sentLate);
        // the same webhooks as the hub timed them (http.server.requests, from its filters to the answer): the
        // difference to the sender's figures is time outside the hub's request handling (sockets, the scheduler)
        Map<Double, Double> serverAfter = webhookLatencyBuckets(hub);
        System.out.printf(Locale.ROOT, "%s_hub_side p50_ms<=%.2f p99_ms<=%.2f%n", label,
                bucketQuantile(serverBefore, serverAfter, 0.5), bucketQuantile(serverBefore, serverAfter, 0.99));
        // how much of the hub's CPU during that run went to compiling rather than to the webhooks
        System.out.printf(Locale.ROOT, "%s_cpu hub_cores=%.2f jit_cores=%.2f%n", label,
                (cpuAfter[1] - cpuBefore[1]) / seconds, (cpuAfter[0] - cpuBefore[0]) / seconds);
    }

    // ---- 2. scale-out: one instance, then two ----------------------------------------------------------

    static void scaleOut() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            int brokerPort = freePort();
            var config = new ConfigurationImpl().setPersistenceEnabled(true)
                    .setJournalDirectory(work.resolve("broker/journal").toString())
                    .setBindingsDirectory(work.resolve("broker/bindings").toString())
                    .setLargeMessagesDirectory(work.resolve("broker/large").toString())
                    .setPagingDirectory(work.resolve("broker/paging").toString())
                    .setSecurityEnabled(false)
                    .addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + brokerPort);
            config.addAddressSetting("#", new AddressSettings().setDeadLetterAddress(SimpleString.of("DLQ"))
                    .setExpiryAddress(SimpleString.of("ExpiryQueue")).setAutoCreateDeadLetterResources(true)
                    .setMaxDeliveryAttempts(20));
            EmbeddedActiveMQ broker = new EmbeddedActiveMQ().setConfiguration(config);
            broker.start();
            try {
                for (int instances = 1; instances <= 2; instances++) {
                    String database = "bench" + instances;
                    try (var c = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"))) {
                        c.createStatement().execute("CREATE DATABASE " + database);
                    }
                    List<Hub> hubs = new ArrayList<>();
                    try {
                        for (int i = 0; i < instances; i++) {
                            hubs.add(Hub.start("scale" + instances + "-" + i, List.of(
                                    "--spring.profiles.active=scale-out",
                                    "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", database),
                                    "--spring.datasource.username=postgres",
                                    "--spring.artemis.broker-url=tcp://127.0.0.1:" + brokerPort)));
                        }
                        warmUp(hubs);
                        drain(broker);
                        double rps = 0;
                        List<Wrk> runs = new ArrayList<>();
                        var pool = Executors.newFixedThreadPool(instances);
                        var futures = new ArrayList<java.util.concurrent.Future<Wrk>>();
                        int connectionsEach = 64 / instances;
                        for (Hub hub : hubs) {
                            futures.add(pool.submit(() -> wrk(hub.base, connectionsEach, seconds, true)));
                        }
                        for (var f : futures) {
                            runs.add(f.get());
                        }
                        pool.shutdown();
                        long errors = 0;
                        double p99 = 0;
                        for (Wrk w : runs) {
                            rps += w.rps;
                            errors += w.errors;
                            p99 = Math.max(p99, w.p99);
                        }
                        System.out.printf(Locale.ROOT, "scale_ingest instances=%d connections=64 webhook_rps=%.0f "
                                + "worst_p99_ms=%.2f errors=%d%n", instances, rps, p99, errors);
                        drain(broker);
                        Latency flow = bookingFlow(hubs, 8, seconds, instances * 1000);
                        System.out.printf(Locale.ROOT, "booking_flow instances=%d db=postgresql clients=8 "
                                + "bookings_per_s=%.1f p50_ms=%.0f p99_ms=%.0f errors=%d%n", instances, flow.rate,
                                flow.p50, flow.p99, flow.errors);
                    } finally {
                        for (Hub hub : hubs) {
                            hub.stop();
                        }
                    }
                }
            } finally {
                broker.stop();
            }
        }
    }

    // ---- the hub process -------------------------------------------------------------------------------

    record Hub(String name, Process process, String base, double readySeconds) {

        static Hub start(String name, List<String> extra) throws Exception {
            return start(name, containerLaunch, extra);
        }

        static Hub start(String name, List<String> launch, List<String> extra) throws Exception {
            int port = freePort();
            List<String> command = new ArrayList<>(launch);
            command.addAll(List.of("--server.port=" + port,
                    "--connectify.stripe.webhook-secrets=" + SECRET,
                    // the benchmark measures the hub, not the providers' quotas
                    "--connectify.resilience.defaults.rate-limiter.limit-for-period=100000000",
                    // (Camel's throttle holds one object per permit: a high rate per short period, not a huge one)
                    "--connectify.notifications.rate=100000", "--connectify.notifications.period-millis=1000",
                    "--connectify.availability.buffer=0m",
                    "--connectify.availability.slot-step=15m",
                    "--logging.level.root=WARN"));
            command.addAll(extra);
            long started = System.nanoTime();
            // each hub in a directory of its own, so the default hub keeps its defaults (H2 and the broker's journal
            // under ./data) rather than a database URL of the benchmark's
            Path dir = Files.createDirectories(work.resolve(name));
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(work.resolve(name + ".log").toFile());
            builder.environment().put("MALLOC_ARENA_MAX", "2"); // as docker/Dockerfile sets it
            builder.environment().putAll(EXTRA_ENVIRONMENT);
            Process process = builder.start();
            String base = "http://127.0.0.1:" + port;
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " stopped; see " + work.resolve(name + ".log"));
                }
                try {
                    if (get(base + "/actuator/health/readiness").statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                Thread.sleep(50);
            }
            return new Hub(name, process, base, (System.nanoTime() - started) / 1e9);
        }

        long rssMb() throws IOException {
            return status("VmRSS:");
        }

        /** Resident memory split: private (heap, metaspace, threads, ...) and mapped files (jars, AOT cache). */
        String rssSplit() throws IOException, InterruptedException {
            return "(anon " + status("RssAnon:") + " MB, file " + status("RssFile:") + " MB)" + nativeMemory()
                    + memoryMap() + threads();
        }

        /**
         * With {@code -Dbench.threads}: the hub's threads, in all and by name, digits as # (each thread's
         * stack is resident to its deepest frame, bench/RESULTS.md), to tell which pools grew between readings.
         */
        private String threads() throws IOException {
            if (System.getProperty("bench.threads") == null) {
                return "";
            }
            Map<String, Integer> byName = new TreeMap<>();
            try (var tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        byName.merge(Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+", "#"), 1,
                                Integer::sum);
                    } catch (IOException ended) {
                        // the thread ended between listing and reading
                    }
                }
            }
            return " threads=" + byName.values().stream().mapToInt(Integer::intValue).sum() + " " + byName;
        }

        /**
         * With {@code -Dbench.smaps=<dir>}: the hub's /proc/<pid>/smaps at each reading, copied into that directory
         * (a diagnostic: which mappings - the heap, the AOT cache, thread stacks, malloc's arenas - hold the resident
         * memory; the file named beside the reading).
         */
        static final AtomicInteger MEMORY_MAPS = new AtomicInteger();

        private String memoryMap() throws IOException, InterruptedException {
            String dir = System.getProperty("bench.smaps");
            if (dir == null) {
                return "";
            }
            Path copy = Path.of(dir, name + "-" + process.pid() + "-" + MEMORY_MAPS.incrementAndGet() + ".smaps");
            Files.createDirectories(copy.getParent());
            Files.copy(Path.of("/proc/" + process.pid() + "/smaps"), copy, StandardCopyOption.REPLACE_EXISTING);
            // glibc's malloc_info: what its arenas hold in use and free (freed but not given back)
            new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(process.pid()), "System.native_heap_info").redirectErrorStream(true)
                    .redirectOutput(Path.of(copy + ".malloc").toFile()).start().waitFor();
            return " smaps: " + copy;
        }

        /**
         * With {@code -Dbench.nmt} and the hub started with native memory tracking ({@code
         * -Dbench.jvm=-XX:NativeMemoryTracking=summary}): each category's committed MB by {@code jcmd}, to tell which
         * part of a reading moved (a diagnostic: NMT itself costs a few MB and some speed).
         */
        private String nativeMemory() {
            if (System.getProperty("bench.nmt") == null) {
                return "";
            }
            try {
                Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        String.valueOf(process.pid()), "VM.native_memory", "summary", "scale=MB")
                        .redirectErrorStream(true).start();
                StringBuilder categories = new StringBuilder(" nmt:");
                for (String line : new String(jcmd.getInputStream().readAllBytes()).split("\n")) {
                    Matcher all = NMT_MALLOC.matcher(line.strip());
                    if (all.matches() && categories.indexOf("malloc=") < 0) { // the Total's: what malloc holds for the JVM
                        categories.append(" malloc=").append(all.group(1)).append(" (peak ").append(all.group(2))
                                .append(')');
                    }
                    Matcher m = NMT_CATEGORY.matcher(line.strip());
                    if (m.find()) {
                        categories.append(' ').append(m.group(1).strip().replace(' ', '_')).append('=').append(m.group(2));
                    }
                }
                jcmd.waitFor();
                // the NIO buffers Java counts (direct ones are NMT's "Other"): which of them grew
                for (String line : get(base + "/actuator/prometheus").body().split("\n")) {
                    Matcher m = BUFFER_POOL.matcher(line);
                    if (m.find()) {
                        categories.append(" buffers_").append(m.group(1)).append('=')
                                .append(Math.round(Double.parseDouble(m.group(2)) / 1024)).append("KB");
                    }
                }
                return categories.toString();
            } catch (IOException | InterruptedException | RuntimeException e) {
                return " nmt: " + e;
            }
        }

        private long status(String field) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
            return -1;
        }

        /**
         * CPU seconds the hub's threads used so far, {JIT compiler threads, all threads} ({@code /proc/<pid>/task}: a
         * thread that ended is not counted).
         */
        double[] cpuSeconds() throws IOException {
            double compilers = 0;
            double all = 0;
            try (var tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        // fields after the thread's name, which may contain spaces: utime and stime are 12th, 13th
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
                        all += seconds;
                        if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                            compilers += seconds;
                        }
                    } catch (IOException ended) {
                        // the thread ended between listing and reading
                    }
                }
            }
            return new double[] {compilers, all};
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /**
     * Half a minute of webhooks before anything is measured: on two cores the JIT was still compiling 250-600
     * methods per 10 s a minute into the load (-XX:+PrintCompilation), the webhook path more than the bare one, so
     * a short warm-up measured the compiler rather than the hub.
     */
    static void warmUp(List<Hub> hubs) throws Exception {
        for (Hub hub : hubs) {
            wrk(hub.base + "/actuator/health/liveness", 16, 5, false);
            wrk(hub.base, 64, 30, true);
            wrk(hub.base + "/actuator/health/liveness", 64, 5, false);
            bookingFlow(List.of(hub), 4, 3, 500 + hubs.indexOf(hub) * 100);
            untilTheCompilerIsQuiet(hub);
        }
    }

    /** Longest extra warm-up, in seconds ({@code -Dbench.warmup.max}; 0: none). */
    static final int WARMUP_MAX = Integer.getInteger("bench.warmup.max", 120);

    /**
     * More rounds of webhooks (10 s each, the queue drained after each, then 5 s of the bare endpoint) until the JIT
     * compiler threads took less than a tenth of the hub's CPU in a round, or {@link #WARMUP_MAX} seconds: after the
     * half minute above the compiler still took a fifth of it ({@code fixed_rate_cpu}), and a hub that runs for days
     * is measured warm.
     */
    static void untilTheCompilerIsQuiet(Hub hub) throws Exception {
        double share = Double.NaN;
        int spent = 0;
        while (spent < WARMUP_MAX) {
            drain(hub);
            double[] before = hub.cpuSeconds();
            wrk(hub.base, 64, 10, true);
            drain(hub);
            // the bare endpoint too: with the compilers at nice 10 its code was still being compiled in the first
            // measured round, the slowest bare round of every run before this (not of every run since: RESULTS.md)
            wrk(hub.base + "/actuator/health/liveness", 64, 5, false);
            double[] after = hub.cpuSeconds();
            spent += 15;
            share = (after[0] - before[0]) / (after[1] - before[1]);
            if (share < 0.10) {
                break;
            }
        }
        System.out.printf(Locale.ROOT, "warmup hub=%s extra_seconds=%d jit_share_last_round=%.2f%n", hub.name, spent,
                share);
    }

    /** Bytes the JVM allocated so far (Micrometer's jvm.gc.memory.allocated) and Stripe webhooks answered. */
    static double[] allocatedAndWebhooks(Hub hub) throws Exception {
        double allocated = 0;
        double webhooks = 0;
        for (String line : get(hub.base + "/actuator/prometheus").body().split("\n")) {
            if (line.startsWith("jvm_gc_memory_allocated_bytes_total")) {
                allocated = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("http_server_requests_seconds_count") && line.contains("uri=\"/webhooks/stripe\"")) {
                webhooks += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return new double[] {allocated, webhooks};
    }

    static final Pattern QUEUE_DEPTH = Pattern.compile("connectify_queue_depth\\{[^}]*queue=\"stripe-events\"[^}]*} (\\S+)");

    static final Pattern INBOX_WAITING = Pattern.compile("(?m)^connectify_webhook_inbox_waiting(?:\\{[^}]*})? (\\S+)");

    /**
     * Events waiting in the hub's embedded broker and in its webhook inbox (acknowledged, not yet forwarded to the
     * queue); NaN with an external broker.
     */
    static double queueDepth(Hub hub) throws Exception {
        String metrics = get(hub.base + "/actuator/prometheus").body();
        Matcher m = QUEUE_DEPTH.matcher(metrics);
        if (!m.find()) {
            return Double.NaN;
        }
        Matcher inbox = INBOX_WAITING.matcher(metrics);
        return Double.parseDouble(m.group(1)) + (inbox.find() ? Double.parseDouble(inbox.group(1)) : 0);
    }

    /** Waits until the hub's event queue is empty, so one measurement does not pay for the last one's backlog. */
    static void drain(Hub hub) throws Exception {
        for (int i = 0; i < 600; i++) {
            double depth = queueDepth(hub);
            if (Double.isNaN(depth) || depth == 0) {
                return; // NaN: an external broker, drain(broker) waits for it
            }
            Thread.sleep(500);
        }
    }

    /** The same for the shared broker of the scale-out runs. */
    static void drain(EmbeddedActiveMQ broker) throws Exception {
        for (int i = 0; i < 1200; i++) {
            var queue = broker.getActiveMQServer().locateQueue(SimpleString.of("stripe-events"));
            if (queue == null || queue.getMessageCount() == 0) {
                return;
            }
            Thread.sleep(500);
        }
    }

    // ---- webhook ingest: wrk, closed loop -------------------------------------------------------------

    record Wrk(double rps, double p50, double p99, long errors) {

        /** Rounds of equal length: mean rate, median p50, worst p99, all errors. */
        static Wrk combine(List<Wrk> rounds) {
            List<Double> p50s = rounds.stream().map(Wrk::p50).sorted().toList();
            return new Wrk(rounds.stream().mapToDouble(Wrk::rps).average().orElse(Double.NaN),
                    p50s.get(p50s.size() / 2), rounds.stream().mapToDouble(Wrk::p99).max().orElse(Double.NaN),
                    rounds.stream().mapToLong(Wrk::errors).sum());
        }
    }

    static final int INGEST_ROUNDS = 3;

    static int roundSeconds() {
        return Math.max(5, seconds / INGEST_ROUNDS);
    }

    /** wrk against a URL (bare) or signed Stripe webhooks (pre-signed events, each id once). */
    static Wrk wrk(String target, int connections, int duration, boolean webhooks) throws Exception {
        List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c" + connections, "-d" + duration + "s",
                "--latency"));
        String events = null;
        if (webhooks) {
            events = "events-" + EVENT_FILES.incrementAndGet() + ".txt";
            writeEvents(events, Math.max(20_000, duration * 4_000), URI.create(target + "/webhooks/stripe"));
            command.addAll(List.of("-s", work.resolve("hooks.lua").toString()));
        }
        command.add(target);
        if (events != null) {
            command.addAll(List.of("--", events));
        }
        Process wrk = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
        String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        wrk.waitFor();
        Matcher rps = WRK_RPS.matcher(out);
        if (!rps.find()) {
            throw new IllegalStateException("wrk said: " + out);
        }
        Matcher errors = WRK_ERRORS.matcher(out);
        return new Wrk(Double.parseDouble(rps.group(1)), percentile(out, "50%"), percentile(out, "99%"),
                errors.find() ? Long.parseLong(errors.group(1)) : 0);
    }

    static double percentile(String wrkOutput, String which) {
        Matcher m = Pattern.compile(Pattern.quote(which) + "\\s+([0-9.]+)(us|ms|s)").matcher(wrkOutput);
        if (!m.find()) {
            return Double.NaN;
        }
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }

    static final AtomicLong EVENT_IDS = new AtomicLong();
    static final AtomicLong EVENT_FILES = new AtomicLong();

    /**
     * Signed webhooks as whole HTTP requests, each ended by a NUL byte, for wrk to send as they are: formatted in
     * wrk's Lua (wrk.format in request()) they cost wrk about 64 us of CPU each against 24 us per bare request, on
     * the cores the hub runs on, and formatted in wrk's init they delayed the second thread's start (bench/RESULTS.md).
     */
    static synchronized void writeEvents(String file, int count, URI target) throws Exception {
        long ts = System.currentTimeMillis() / 1000;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String payload = event(EVENT_IDS.incrementAndGet());
            String sig = HexFormat.of().formatHex(mac.doFinal((ts + "." + payload).getBytes(StandardCharsets.UTF_8)));
            requests.append("POST ").append(target.getPath()).append(" HTTP/1.1\r\nHost: ").append(target.getHost())
                    .append(':').append(target.getPort()).append("\r\nContent-Type: application/json\r\n")
                    .append("Stripe-Signature: t=").append(ts).append(",v1=").append(sig).append("\r\n")
                    .append("Content-Length: ").append(payload.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n\r\n").append(payload).append('\0');
        }
        Files.writeString(work.resolve(file), requests);
    }

    /**
     * A paid Checkout event for a booking the hub does not know: the consumer looks it up and drops it. Each event
     * names a booking and a Payment Intent of its own, as real payments do: a payment's events form one message group,
     * which the broker gives to one consumer at a time (one for all would put every event on one consumer).
     * <p>
     * Shaped as Stripe sends a {@code checkout.session.completed} of the Checkout Session the hub makes (the event's
     * and the session's fields for API version 2025-12-15.clover, pretty-printed as Stripe writes them, about 3 KB):
     * before, a 231-byte event with no {@code currency}, {@code amount_total} or {@code payment_intent}, so every one
     * took the queue consumer's path for an event queued before the hub read the currency (its body parsed again),
     * which Stripe's events never take, and none of the parsing of the fields the hub skips (bench/RESULTS.md).
     */
    static String event(long n) {
        long created = System.currentTimeMillis() / 1000;
        String serial = String.format(Locale.ROOT, "%017d", n);
        return STRIPE_EVENT.formatted("evt_1Sbench" + serial, created, created - 95, created + 1705,
                "cs_test_a1Sbench" + serial + "Kx7qP0dN3mVwR2tLcZ8yHfJ5sGuE9oB4iA6nQ2wE8rT1yU5",
                String.format(Locale.ROOT, "00000000-0000-4000-8000-%012d", n), "pi_3Sbench" + serial,
                "customer." + n + "@example.com");
    }

    /** {@link #event}'s text: 1 the event's id, 2-4 its, the session's and the expiry's times, 5 the session's id,
     * 6 the booking's, 7 the Payment Intent's, 8 the customer's email. */
    static final String STRIPE_EVENT = """
            {
              "id": "%1$s",
              "object": "event",
              "api_version": "2025-12-15.clover",
              "created": %2$d,
              "data": {
                "object": {
                  "id": "%5$s",
                  "object": "checkout.session",
                  "adaptive_pricing": {
                    "enabled": false
                  },
                  "after_expiration": null,
                  "allow_promotion_codes": null,
                  "amount_subtotal": 12000,
                  "amount_total": 12000,
                  "automatic_tax": {
                    "enabled": false,
                    "liability": null,
                    "provider": null,
                    "status": null
                  },
                  "billing_address_collection": null,
                  "branding_settings": null,
                  "cancel_url": "https://connectify.example.com/booking/cancelled",
                  "client_reference_id": "%6$s",
                  "client_secret": null,
                  "collected_information": {
                    "business_name": null,
                    "individual_name": null,
                    "shipping_details": null
                  },
                  "consent": null,
                  "consent_collection": null,
                  "created": %3$d,
                  "currency": "chf",
                  "currency_conversion": null,
                  "custom_fields": [],
                  "custom_text": {
                    "after_submit": null,
                    "shipping_address": null,
                    "submit": null,
                    "terms_of_service_acceptance": null
                  },
                  "customer": null,
                  "customer_account": null,
                  "customer_creation": "if_required",
                  "customer_details": {
                    "address": {
                      "city": null,
                      "country": "CH",
                      "line1": null,
                      "line2": null,
                      "postal_code": null,
                      "state": null
                    },
                    "business_name": null,
                    "email": "%8$s",
                    "individual_name": null,
                    "name": "Anna Muster",
                    "phone": null,
                    "tax_exempt": "none",
                    "tax_ids": []
                  },
                  "customer_email": "%8$s",
                  "discounts": [],
                  "expires_at": %4$d,
                  "invoice": null,
                  "invoice_creation": {
                    "enabled": false,
                    "invoice_data": {
                      "account_tax_ids": null,
                      "custom_fields": null,
                      "description": null,
                      "footer": null,
                      "issuer": null,
                      "metadata": {},
                      "rendering_options": null
                    }
                  },
                  "livemode": false,
                  "locale": null,
                  "metadata": {
                    "bookingId": "%6$s"
                  },
                  "mode": "payment",
                  "origin_context": null,
                  "payment_intent": "%7$s",
                  "payment_link": null,
                  "payment_method_collection": "if_required",
                  "payment_method_configuration_details": {
                    "id": "pmc_1SbenchConfig0000000000",
                    "parent": null
                  },
                  "payment_method_options": {
                    "card": {
                      "request_three_d_secure": "automatic"
                    }
                  },
                  "payment_method_types": [
                    "card",
                    "twint"
                  ],
                  "payment_status": "paid",
                  "permissions": null,
                  "phone_number_collection": {
                    "enabled": false
                  },
                  "recovered_from": null,
                  "saved_payment_method_options": null,
                  "setup_intent": null,
                  "shipping_address_collection": null,
                  "shipping_cost": null,
                  "shipping_options": [],
                  "status": "complete",
                  "submit_type": null,
                  "subscription": null,
                  "success_url": "https://connectify.example.com/booking/paid",
                  "total_details": {
                    "amount_discount": 0,
                    "amount_shipping": 0,
                    "amount_tax": 0
                  },
                  "ui_mode": "hosted",
                  "url": null,
                  "wallet_options": null
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": null,
                "idempotency_key": null
              },
              "type": "checkout.session.completed"
            }""";

    static void writeWrkScript() throws IOException {
        Files.writeString(work.resolve("hooks.lua"), """
                -- each wrk thread sends its own stride of the pre-signed requests (args[1]: whole HTTP requests,
                -- each ended by a NUL byte), as they are
                local counter = 0
                function setup(thread)
                  counter = counter + 1
                  thread:set("tid", counter)
                end
                function init(args)
                  local f = io.open(args[1], "rb")
                  local data = f:read("*a")
                  f:close()
                  requests = {}
                  local from, n = 1, 0
                  while true do
                    local to = string.find(data, "\\0", from, true)
                    if not to then break end
                    n = n + 1
                    if n % 2 == tid % 2 then
                      table.insert(requests, string.sub(data, from, to - 1))
                    end
                    from = to + 1
                  end
                  i = 0
                end
                function request()
                  i = i + 1
                  return requests[((i - 1) % #requests) + 1]
                end
                """);
    }

    // ---- webhook ingest at a fixed rate: open loop ----------------------------------------------------

    record Latency(double rate, double p50, double p99, long errors, long sentLate) {
    }

    static final Pattern WEBHOOK_BUCKET = Pattern.compile(
            "(?m)^http_server_requests_seconds_bucket\\{([^}]*uri=\"/webhooks/stripe\"[^}]*)} (\\S+)");
    static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

    /** The hub's latency histogram of answered Stripe webhooks: upper bound (s) to count. */
    static Map<Double, Double> webhookLatencyBuckets(Hub hub) throws Exception {
        Map<Double, Double> buckets = new java.util.TreeMap<>();
        Matcher m = WEBHOOK_BUCKET.matcher(get(hub.base + "/actuator/prometheus").body());
        while (m.find()) {
            Matcher le = LE.matcher(m.group(1));
            if (le.find()) {
                double bound = le.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le.group(1));
                buckets.merge(bound, Double.parseDouble(m.group(2)), Double::sum);
            }
        }
        return buckets;
    }

    /** The smallest bucket bound (ms) that holds quantile q of what was counted between the two scrapes. */
    static double bucketQuantile(Map<Double, Double> before, Map<Double, Double> after, double q) {
        double total = after.getOrDefault(Double.POSITIVE_INFINITY, 0.0)
                - before.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        for (var bucket : after.entrySet()) {
            if (total > 0 && bucket.getValue() - before.getOrDefault(bucket.getKey(), 0.0) >= q * total) {
                return bucket.getKey() * 1000;
            }
        }
        return Double.NaN;
    }

    /**
     * Sends signed webhooks at a fixed rate over {@code connections} keep-alive connections, wrk2's model: a
     * request is due at its slot in the schedule and waits for a free connection if none is; its latency counts
     * from the moment it was due, so a slow hub cannot hide its delays by slowing the sender down.
     */
    static Latency fixedRate(List<Hub> hubs, int perSecond, int duration, int connections) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        int total = perSecond * duration;
        long ts = System.currentTimeMillis() / 1000 + 2;
        List<byte[]> requests = new ArrayList<>(total);
        for (int i = 0; i < total; i++) {
            String payload = event(EVENT_IDS.incrementAndGet());
            String sig = HexFormat.of().formatHex(mac.doFinal((ts + "." + payload).getBytes(StandardCharsets.UTF_8)));
            byte[] body = payload.getBytes(StandardCharsets.UTF_8);
            requests.add(("POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Stripe-Signature: t=" + ts + ",v1=" + sig + "\r\nContent-Length: " + body.length + "\r\n\r\n"
                    + payload).getBytes(StandardCharsets.UTF_8));
        }
        // One thread and a selector for all connections, as wrk2 does, not a thread per connection: the sender
        // shares the two cores with the hub, and 64 threads handing requests to each other took 0.6-0.7 of a core
        // at 1,000/s (three wake-ups a request); this sender takes a fraction of that (bench/RESULTS.md)
        List<URI> targets = hubs.stream().map(hub -> URI.create(hub.base)).toList();
        long[] latencies = new long[total];
        int answered = 0;
        int finished = 0; // answered or failed
        long errors = 0;
        long sentLate = 0;
        long start = System.nanoTime() + 200_000_000L;
        long interval = 1_000_000_000L / perSecond;
        try (Selector selector = Selector.open()) {
            List<Connection> all = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                all.add(new Connection(targets.get(c % targets.size()), selector));
            }
            java.util.ArrayDeque<Connection> idle = new java.util.ArrayDeque<>(all);
            java.util.ArrayDeque<Integer> waiting = new java.util.ArrayDeque<>(); // due, no connection free yet
            int next = 0;
            long lastProgress = System.nanoTime();
            while (finished < total && System.nanoTime() - lastProgress < 60_000_000_000L) {
                long now = System.nanoTime();
                while (next < total && start + next * interval <= now) {
                    waiting.add(next++);
                }
                while (!waiting.isEmpty() && !idle.isEmpty()) {
                    int i = waiting.poll();
                    if (System.nanoTime() - (start + i * interval) > 10_000_000L) {
                        sentLate++;
                    }
                    Connection connection = idle.poll();
                    if (!connection.send(i, start + i * interval, requests.get(i))) {
                        errors++;
                        finished++;
                        idle.add(connection);
                    }
                }
                // a due request is sent up to a millisecond late (the selector's timeout); that counts against the
                // hub, its latency running from when it was due
                long untilNext = next < total ? start + next * interval - System.nanoTime() : 10_000_000L;
                if (untilNext > 0) {
                    selector.select(Math.max(1, untilNext / 1_000_000));
                } else {
                    selector.selectNow();
                }
                for (var keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                    Connection connection = (Connection) keys.next().attachment();
                    keys.remove();
                    Connection.Answer answer = connection.read(requests); // one request in flight: one answer
                    if (answer != null) {
                        lastProgress = System.nanoTime();
                        finished++;
                        if (answer == Connection.Answer.FAILED) {
                            errors++;
                        } else {
                            latencies[answered++] = lastProgress - connection.due;
                            if (answer == Connection.Answer.NOT_OK) {
                                errors++;
                            }
                        }
                        if (connection.idle()) {
                            idle.add(connection);
                        }
                    }
                }
            }
            all.forEach(Connection::close);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        List<Long> sorted = new ArrayList<>(answered);
        for (int i = 0; i < answered; i++) {
            sorted.add(latencies[i]);
        }
        Collections.sort(sorted);
        return new Latency(answered / elapsed, ms(sorted, 0.5), ms(sorted, 0.99), errors, sentLate);
    }

    /**
     * One keep-alive connection of the fixed-rate sender: at most one request in flight. Tomcat closes a connection
     * after 100 requests (its answer says so): then a new one is opened, and a request the closed one lost is sent
     * once more on it.
     */
    static final class Connection {
        enum Answer { OK, NOT_OK, FAILED }

        private final URI target;
        private final Selector selector;
        private final java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(64 * 1024);
        private SocketChannel channel;
        private int request = -1;
        private boolean retried;
        long due;

        Connection(URI target, Selector selector) throws IOException {
            this.target = target;
            this.selector = selector;
            open();
        }

        private void open() throws IOException {
            channel = SocketChannel.open(new java.net.InetSocketAddress(target.getHost(), target.getPort()));
            channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            channel.configureBlocking(false);
            channel.register(selector, java.nio.channels.SelectionKey.OP_READ, this);
            in.clear();
        }

        boolean idle() {
            return request < 0;
        }

        /** False if the request could not be written even on a new connection. */
        boolean send(int index, long dueAt, byte[] bytes) throws IOException {
            request = index;
            due = dueAt;
            retried = false;
            return write(bytes) || reopenAndResend(bytes);
        }

        private boolean write(byte[] bytes) {
            try {
                java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(bytes);
                while (out.hasRemaining()) {
                    if (channel.write(out) == 0) {
                        Thread.onSpinWait(); // a full socket buffer: a 2 KB request on loopback seldom meets one
                    }
                }
                return true;
            } catch (IOException closed) {
                return false;
            }
        }

        private boolean reopenAndResend(byte[] bytes) throws IOException {
            close();
            open();
            if (!retried && request >= 0) {
                retried = true;
                if (write(bytes)) {
                    return true;
                }
            }
            request = -1;
            return false;
        }

        /** The next whole answer on this connection, or null if none is complete yet. */
        Answer read(List<byte[]> requests) throws IOException {
            int read;
            try {
                read = channel.read(in);
            } catch (IOException reset) {
                read = -1;
            }
            if (request < 0) { // nothing in flight: the hub closed an idle connection
                if (read < 0) {
                    close();
                    open();
                }
                in.clear();
                return null;
            }
            if (read < 0) { // closed before the answer: once more on a new connection, unless it was already
                return reopenAndResend(requests.get(request)) ? null : Answer.FAILED;
            }
            String head = headOf();
            if (head == null) {
                return null;
            }
            int headLength = head.length() + 4;
            String lower = head.toLowerCase(Locale.ROOT);
            int bodyLength = 0;
            Matcher length = CONTENT_LENGTH.matcher(lower);
            if (length.find()) {
                bodyLength = Integer.parseInt(length.group(1));
            } else if (lower.contains("transfer-encoding: chunked")) {
                int end = indexOf(CHUNKED_END, headLength);
                if (end < 0) {
                    return null;
                }
                bodyLength = end + CHUNKED_END.length - headLength;
            }
            if (in.position() < headLength + bodyLength) {
                return null;
            }
            int status = Integer.parseInt(head.substring(9, 12));
            int rest = in.position() - headLength - bodyLength;
            in.flip().position(headLength + bodyLength);
            in.compact().position(rest);
            request = -1;
            if (lower.contains("connection: close")) {
                close();
                open();
            }
            return status == 200 ? Answer.OK : Answer.NOT_OK;
        }

        private static final Pattern CONTENT_LENGTH = Pattern.compile("content-length: *(\\d+)");
        private static final byte[] CHUNKED_END = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

        private String headOf() {
            int end = indexOf(HEAD_END, 0);
            return end < 0 ? null : new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
        }

        private int indexOf(byte[] needle, int from) {
            byte[] data = in.array();
            for (int i = Math.max(0, from - 2); i + needle.length <= in.position(); i++) {
                int j = 0;
                while (j < needle.length && data[i + j] == needle[j]) {
                    j++;
                }
                if (j == needle.length) {
                    return i;
                }
            }
            return -1;
        }

        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a connection the hub closed already
            }
        }
    }

    static double ms(List<Long> sorted, double q) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * q))) / 1e6;
    }

    // ---- the booking flow --------------------------------------------------------------------------------

    /**
     * Closed loop, {@code clients} at a time: book a free 15-minute slot, open the payment URL (the Stripe sandbox
     * then sends the signed webhook), and wait until the booking is confirmed and its SMS and email are sent.
     * Latency is from the booking request to the second notification sent. Slots start {@code slotOffset} slots
     * into the future so runs against one database never ask for the same slot.
     */
    static Latency bookingFlow(List<Hub> hubs, int clients, int duration, int slotOffset) throws Exception {
        List<String> slots = slots(slotOffset, 4000);
        AtomicInteger next = new AtomicInteger();
        List<Long> latencies = new CopyOnWriteArrayList<>();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + duration * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    int n = next.getAndIncrement();
                    Hub hub = hubs.get(n % hubs.size());
                    long t0 = System.nanoTime();
                    try {
                        if (book(hub, slots.get(n))) {
                            latencies.add(System.nanoTime() - t0);
                        } else {
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
        double elapsed = duration + 0.0;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Latency(sorted.size() / elapsed, ms(sorted, 0.5), ms(sorted, 0.99), errors.get(), 0);
    }

    static boolean book(Hub hub, String start) throws Exception {
        var booked = HTTP.send(HttpRequest.newBuilder(URI.create(hub.base + "/api/v1/bookings"))
                .header("Content-Type", "application/json").header("X-API-Key", "sandbox")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"start":"%s","durationMinutes":15,"provider":"stripe",
                         "customer":{"name":"Bench","email":"bench@example.com","phone":"+41791234567"}}"""
                        .formatted(start))).build(), HttpResponse.BodyHandlers.ofString());
        if (booked.statusCode() != 201) {
            return false;
        }
        String id = field(booked.body(), "id");
        String paymentUrl = field(booked.body(), "paymentUrl");
        if (get(paymentUrl).statusCode() != 200) {
            return false;
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            String notifications = HTTP.send(HttpRequest.newBuilder(URI.create(hub.base + "/api/v1/bookings/" + id
                            + "/notifications")).header("X-API-Key", "sandbox").build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            // handed to Twilio and SendGrid: each notification then carries the provider's reference
            if (count(notifications, "\"providerReference\":") >= 2) {
                return true;
            }
            Thread.sleep(20); // polling faster would load the hub more than the bookings do
        }
        return false;
    }

    /** Working-day 15-minute starts in Europe/Zurich from the day after tomorrow, skipping {@code offset}. */
    static List<String> slots(int offset, int count) {
        ZoneId zone = ZoneId.of("Europe/Zurich");
        List<String> starts = new ArrayList<>();
        LocalDate day = LocalDate.now(zone).plusDays(2);
        int skipped = 0;
        while (starts.size() < count) {
            if (day.getDayOfWeek() != DayOfWeek.SATURDAY && day.getDayOfWeek() != DayOfWeek.SUNDAY) {
                for (LocalTime t = LocalTime.of(9, 0); t.isBefore(LocalTime.of(16, 0)); t = t.plusMinutes(15)) {
                    if (t.getHour() == 12) {
                        continue; // lunch break in the default working hours
                    }
                    if (skipped++ >= offset && starts.size() < count) {
                        starts.add(day.atTime(t).atZone(zone).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
                    }
                }
            }
            day = day.plusDays(1);
        }
        return starts;
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }

    static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
