package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The files in docker/ are checked here, as no Docker engine runs: they parse, and every metric the Grafana
 * dashboard and the Prometheus alert rules query is one a running hub exposes, with the label values they pick and the
 * labels they group by.
 */
@HubTest
class OpsArtifactsTest extends HubTestBase {

    /** Labels Prometheus adds to every scraped series (instance, job) or a histogram's buckets carry (le). */
    private static final Set<String> PROMETHEUS_LABELS = Set.of("instance", "job", "le");
    private static final Pattern PLAIN_ALTERNATION = Pattern.compile("[^\\\\.^$*+?()\\[\\]{}|]+(?:\\|[^\\\\.^$*+?()\\[\\]{}|]+)*");

    /** Every metric the Grafana dashboard and the alert rules read, whatever its name (but up), a running hub exposes. */
    @Test
    void everyMetricTheDashboardAndAlertsQueryIsExposed() throws IOException {
        PrometheusScrape scrape = scrapeAfterTraffic();
        Set<String> queried = new TreeSet<>();
        for (Query query : queries()) {
            queried.addAll(query.promQl().metrics());
        }
        assertThat(queried).contains("camel_exchanges_total", "resilience4j_circuitbreaker_state",
                "connectify_dead_letters_total", "connectify_webhook_rejected_total", "connectify_queue_depth",
                "connectify_gcal_rechecks_total", "connectify_gcal_push_channels_total",
                "connectify_gcal_push_orphan_channels_total",
                "connectify_gcal_bookings_events_missing_total", "connectify_gcal_bookings_moves_refused_total",
                "connectify_notifications_failed_total", "connectify_cluster_instances", "connectify_rate_share",
                "resilience4j_ratelimiter_available_permissions", "http_server_requests_seconds_bucket")
                .doesNotContain("up", "sum", "rate", "by", "and");
        assertThat(queried).as("queried, not exposed").filteredOn(metric -> !scrape.exposes(metric)).isEmpty();

        String text = httpGet("/actuator/prometheus", null).body();
        assertThat(text).containsPattern("camel_exchanges_total\\{[^}]*eventType=\"route\"");
        // per route only (camel.metrics.route-policy-level): the context-wide series would repeat their sums
        assertThat(text).doesNotContainPattern("camel_[a-z_]+\\{[^}]*eventType=\"context\"");
        assertThat(text).containsPattern("resilience4j_circuitbreaker_state\\{[^}]*state=\"open\"");
    }

    /**
     * Every label value a query picks series by is one the hub's series of that metric carry, before their first event
     * (at zero): an alert on increase() of a series that appears only with its first event never sees that event.
     * A value given with = or != is one of that label's values, so is each alternative of an alternation given with =~
     * or !~ ("a|b"), and a regular expression matches at least one; a selector's = values together pick a series.
     * Before, only = values were checked: {@code route=~"stripe-dispatch|payrexx-dispatch"} (the route is
     * stripe-event-dispatch) or {@code eventType=~"routes"} passed.
     */
    @Test
    void everyValueTheDashboardAndAlertsPickSeriesByIsExposed() throws IOException {
        PrometheusScrape scrape = scrapeAfterTraffic();
        Set<String> selected = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (Query query : queries()) {
            for (PromQl.Selector selector : query.promQl().selectors()) {
                if (!selector.metric().equals("up")) {
                    selector.matchers().forEach(matcher -> selected.add(selector.metric() + "{" + matcher + "}"));
                    problems.addAll(unexposedValues(query.where(), selector, scrape));
                }
            }
        }
        assertThat(selected).contains("connectify_gcal_rechecks_total{outcome=\"all-missing\"}",
                "connectify_notifications_failed_total{status=\"refused\"}",
                "connectify_notifications_failed_total{reason=\"validation\"}",
                "connectify_notifications_failed_total{reason=\"invalid-recipient\"}",
                "connectify_webhook_rejected_total{provider=\"google-calendar\"}",
                "connectify_gcal_push_channels_total{outcome=\"no-sync\"}",
                "connectify_gcal_push_notifications_total{state=\"sync\"}",
                "resilience4j_circuitbreaker_buffered_calls{kind=\"failed\"}",
                "resilience4j_circuitbreaker_buffered_calls{kind=\"successful\"}",
                "resilience4j_circuitbreaker_state{state=~\"open|forced_open\"}",
                "connectify_queue_depth{queue!=\"DLQ\"}",
                "connectify_gcal_freebusy_unreadable_total{reason!~\"notFound|missing\"}",
                "http_server_requests_seconds_bucket{uri=~\"/webhooks/.*\"}");
        assertThat(problems).isEmpty();
    }

    /**
     * Every label a query groups or matches by (by, without, on, ignoring, group_left/right), an alert's annotation
     * names ({{ $labels.x }}) or a dashboard legend shows ({{x}}) is a label of at least one series the query reads, or
     * one Prometheus adds (instance, job), a histogram's le, or one the query makes (label_replace, count_values).
     * Before, none was checked: {@code sum by (route_name)} summed every route's dead letters into one alert.
     */
    @Test
    void everyLabelTheDashboardAndAlertsGroupByOrShowIsOneOfTheirSeries() throws IOException {
        PrometheusScrape scrape = scrapeAfterTraffic();
        List<String> problems = new ArrayList<>();
        int named = 0;
        for (Query query : queries()) {
            Set<String> labels = new TreeSet<>(query.promQl().groupingLabels());
            labels.addAll(query.shownLabels());
            named += labels.size();
            for (String label : labels) {
                if (!PROMETHEUS_LABELS.contains(label) && !query.promQl().createdLabels().contains(label)
                        && query.promQl().metrics().stream().noneMatch(metric -> scrape.hasLabel(metric, label))) {
                    problems.add(query.where() + ": label " + label + " is on no series of "
                            + query.promQl().metrics());
                }
            }
        }
        assertThat(named).isGreaterThanOrEqualTo(50);
        assertThat(problems).isEmpty();
    }

    /** What is wrong with the values the selector picks its series by, against the scrape. */
    private static List<String> unexposedValues(String where, PromQl.Selector selector, PrometheusScrape scrape) {
        List<String> problems = new ArrayList<>();
        String metric = selector.metric();
        Map<String, String> exact = new java.util.HashMap<>();
        for (PromQl.LabelMatcher matcher : selector.matchers()) {
            List<String> values = scrape.values(metric, matcher.label());
            boolean regex = matcher.op().endsWith("~");
            List<String> missing;
            if (!regex || PLAIN_ALTERNATION.matcher(matcher.value()).matches()) {
                missing = List.of(matcher.value().split("\\|", -1)).stream().filter(v -> !values.contains(v)).toList();
            } else {
                Pattern pattern = Pattern.compile(matcher.value());
                missing = values.stream().anyMatch(v -> pattern.matcher(v).matches()) ? List.of()
                        : List.of(matcher.value());
            }
            if (!missing.isEmpty()) {
                problems.add(where + ": " + metric + "{" + matcher + "}: " + missing + " not among " + values);
            }
            if (matcher.op().equals("=")) {
                exact.put(matcher.label(), matcher.value());
            }
        }
        if (scrape.series().getOrDefault(metric, List.of()).stream()
                .noneMatch(labels -> labels.entrySet().containsAll(exact.entrySet()))) {
            problems.add(where + ": no series " + metric + exact);
        }
        return problems;
    }

    /** A query of the dashboard or the alert rules, where it is, and the labels it shows (legend, annotations). */
    private record Query(String where, PromQl promQl, Set<String> shownLabels) {
    }

    private static final Pattern ANNOTATION_LABEL = Pattern.compile("\\{\\{[^}]*\\$labels\\.(\\w+)");
    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");

    @SuppressWarnings("unchecked")
    private static List<Query> queries() throws IOException {
        List<Query> queries = new ArrayList<>();
        for (Map<String, Object> rule : rules()) {
            Set<String> shown = new TreeSet<>();
            Map<String, String> annotations = (Map<String, String>) rule.getOrDefault("annotations", Map.of());
            annotations.values().forEach(text -> ANNOTATION_LABEL.matcher(text).results()
                    .forEach(label -> shown.add(label.group(1))));
            // the rule's own labels: {{ $labels.severity }} names one of them
            shown.removeAll(((Map<String, Object>) rule.getOrDefault("labels", Map.of())).keySet());
            queries.add(new Query("alerts.yml " + rule.get("alert"), PromQl.parse(String.valueOf(rule.get("expr"))),
                    shown));
        }
        for (JsonNode target : dashboardTargets()) {
            Set<String> shown = new TreeSet<>();
            LEGEND_LABEL.matcher(target.path("legendFormat").asText()).results()
                    .forEach(label -> shown.add(label.group(1)));
            queries.add(new Query("dashboard " + target.get("expr").asText(), PromQl.parse(target.get("expr").asText()),
                    shown));
        }
        return queries;
    }

    /**
     * The scrape after a route ran and a webhook was answered: the dashboard picks the requests' latency by
     * uri=~"/webhooks/.*", a series that appears with the first such request.
     */
    private PrometheusScrape scrapeAfterTraffic() {
        httpGet("/api/v1/prices?duration=60");
        assertThat(httpPost("/webhooks/stripe", "{}", null).status()).isEqualTo(400); // unsigned
        return PrometheusScrape.of(httpGet("/actuator/prometheus", null).body());
    }

    /**
     * Every route that consumes a queue has its dead-letter series at zero from the start: DeadLettersGrowing watches
     * increase(connectify_dead_letters_total), which misses a series that appears only with its first dead letter.
     */
    @Test
    void everyQueueConsumerHasItsDeadLetterSeriesFromTheStart(@org.springframework.beans.factory.annotation.Autowired
                                                              org.apache.camel.CamelContext camel) {
        String scrape = httpGet("/actuator/prometheus", null).body();
        List<String> consumers = camel.getRoutes().stream()
                .filter(route -> route.getEndpoint().getEndpointUri().startsWith("jms:"))
                .map(org.apache.camel.Route::getRouteId).toList();
        assertThat(consumers).contains("stripe-event-dispatch", "twilio-status-record");
        for (String route : consumers) {
            assertThat(scrape).as(route).containsPattern("(?m)^connectify_dead_letters_total\\{[^}]*route=\""
                    + Pattern.quote(route) + "\"");
        }
    }

    /**
     * Refunds made outside the hub are counted per payment provider, and each provider's series is there at zero from
     * the start: the dashboard's rate() missed the first Payrexx one after every start (its series appeared with it).
     */
    @Test
    void eachPaymentProvidersRefundsOutsideTheHubSeriesExistsFromTheStart() {
        String scrape = httpGet("/actuator/prometheus", null).body();
        for (String provider : List.of("stripe", "payrexx")) {
            // (at zero in a context of its own; the suite's shared context may have counted some already)
            assertThat(scrape).containsPattern("(?m)^connectify_refunds_outside_hub_total\\{[^}]*provider=\""
                    + provider + "\"[^}]*} ");
        }
    }

    @Test
    void composeFileDefinesTheStack() throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker", "compose.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertThat(services).containsKeys("hub", "postgres", "artemis", "prometheus", "grafana");
        assertThat(Files.readString(Path.of("docker", "prometheus", "prometheus.yml"))).contains("/actuator/prometheus");
    }

    /**
     * The providers' credentials reach the hub's containers: compose passes a container only what its service names,
     * and every credential the hub reads from the environment is in the example file its env_file is made from.
     */
    @Test
    @SuppressWarnings("unchecked")
    void composeHandsTheHubEveryProviderCredential() throws IOException {
        Map<String, Object> hub = (Map<String, Object>) ((Map<String, Object>) new Yaml()
                .<Map<String, Object>>load(Files.readString(Path.of("docker", "compose.yaml"))).get("services")).get("hub");
        List<Map<String, Object>> envFiles = (List<Map<String, Object>>) hub.get("env_file");
        assertThat(envFiles).extracting(file -> file.get("path")).containsExactly("hub.env");
        assertThat(Files.readAllLines(Path.of(".gitignore"))).contains("hub.env");

        String example = Files.readString(Path.of("docker", "hub.env.example"));
        var credentials = java.util.regex.Pattern.compile("CONNECTIFY_(STRIPE|PAYREXX|TWILIO|SENDGRID|GCAL)_[A-Z]+")
                .matcher(Files.readString(Path.of("src", "main", "resources", "application.yaml"))).results().map(java.util.regex.MatchResult::group).distinct().toList();
        assertThat(credentials).hasSizeGreaterThanOrEqualTo(10)
                .allSatisfy(name -> assertThat(example).contains("# " + name + "="));
    }

    /**
     * Every secret file compose names (a secrets: entry's file:, the commented example included) lies in a directory
     * git ignores: before, the example's ./secrets/stripe-secret-key (docker/secrets/) could be committed.
     */
    @Test
    void theSecretFilesComposeNamesAreGitIgnored() throws IOException {
        List<String> ignored = Files.readAllLines(Path.of(".gitignore"));
        var files = java.util.regex.Pattern.compile("file:\\s*\\./(\\S+)")
                .matcher(Files.readString(Path.of("docker", "compose.yaml"))).results().map(m -> m.group(1)).toList();
        assertThat(files).isNotEmpty().allSatisfy(file -> assertThat(ignored).as("docker/" + file + " is git-ignored")
                .contains("docker/" + file.substring(0, file.indexOf('/') + 1)));
    }

    /**
     * compose's environment: wins over its env_file: a CONNECTIFY_* entry there replaced hub.env's value, and
     * {@code CONNECTIFY_SECURITY_APIKEYS: ${CONNECTIFY_SECURITY_APIKEYS:-}} blanked the API keys an operator put in
     * hub.env. Every hub setting is hub.env's, its example names the API keys, and every setting of the five providers
     * but their test-only API addresses and timeouts.
     */
    @Test
    @SuppressWarnings("unchecked")
    void composeLeavesEveryHubSettingToHubEnvAndItsExampleNamesThem() throws Exception {
        Map<String, Object> hub = (Map<String, Object>) services().get("hub");
        Map<String, Object> environment = (Map<String, Object>) hub.get("environment");
        // but the count of replicas, compose's own (beside deploy.replicas), not an operator's setting
        assertThat(environment.keySet()).noneMatch(name -> name.startsWith("CONNECTIFY_")
                && !name.equals("CONNECTIFY_CLUSTER_EXPECTEDREPLICAS"));

        String example = Files.readString(Path.of("docker", "hub.env.example"));
        assertThat(example).contains("# CONNECTIFY_SECURITY_APIKEYS=", "# CONNECTIFY_SECURITY_ADMINKEYS=");
        Map<Class<?>, String> providers = Map.of(
                io.connectify.hub.payment.stripe.StripeProperties.class, "STRIPE",
                io.connectify.hub.payment.payrexx.PayrexxProperties.class, "PAYREXX",
                io.connectify.hub.notification.TwilioProperties.class, "TWILIO",
                io.connectify.hub.notification.SendGridProperties.class, "SENDGRID",
                io.connectify.hub.calendar.GoogleCalendarProperties.class, "GCAL");
        Set<String> notForOperators = Set.of("apiBase", "rootUrl", "connectTimeout", "readTimeout", "webhookTolerance",
                "applicationName", "maxListRange");
        for (var provider : providers.entrySet()) {
            for (var component : provider.getKey().getRecordComponents()) {
                if (!notForOperators.contains(component.getName())) {
                    assertThat(example).contains("# CONNECTIFY_" + provider.getValue() + "_"
                            + component.getName().toUpperCase(java.util.Locale.ROOT) + "=");
                }
            }
        }
        // every replica reads hub.env whole: a member id there would be every replica's, and two equal ids both lead
        assertThat(example).doesNotContainPattern("(?m)^#?\\s*CONNECTIFY_CLUSTER_MEMBERID=")
                .contains("Never set CONNECTIFY_CLUSTER_MEMBERID here");
        assertThat(example.lines()).allMatch(line -> line.isBlank() || line.startsWith("#"));
    }

    /** The docker files point operators only at README sections that exist. */
    @Test
    void theDockerFilesNameReadmeSectionsThatExist() throws IOException {
        Set<String> headings = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            if (line.startsWith("#")) {
                headings.add(line.replaceFirst("^#+\\s*", "").trim());
            }
        }
        List<String> named = new ArrayList<>();
        for (Path file : List.of(Path.of("docker", "hub.env.example"), Path.of("docker", "compose.yaml"),
                Path.of("docker", "Dockerfile"))) {
            Matcher section = Pattern.compile("README, \"([^\"]+)\"").matcher(Files.readString(file));
            while (section.find()) {
                named.add(section.group(1));
            }
        }
        assertThat(named).isNotEmpty().allSatisfy(name -> assertThat(headings).contains(name));
    }

    /**
     * The external broker's redelivery of the hub's queues is the embedded broker's (README, Scale-out): Artemis's
     * defaults (10 attempts, no delay) put an event on the DLQ queue within seconds of a database outage. The
     * broker properties compose hands the broker are read here with Artemis's own parser; compose starts the hub
     * once the broker takes connections.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theExternalBrokerRedeliversTheHubsQueuesAsTheEmbeddedOneAndIsWaitedFor() throws Exception {
        Map<String, Object> application = new Yaml().load(Files.readString(
                Path.of("src", "main", "resources", "application.yaml")));
        Map<String, Object> queues = (Map<String, Object>) ((Map<String, Object>) application.get("connectify"))
                .get("queues");
        String embeddedQueues = (String) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                application.get("spring")).get("artemis")).get("embedded")).get("queues");

        var broker = new org.apache.activemq.artemis.core.config.impl.ConfigurationImpl();
        broker.parseProperties(Path.of("docker", "artemis", "broker.properties").toAbsolutePath().toString());
        assertThat(broker.getStatus()).doesNotContain("\"errors\":[{");
        for (String queue : embeddedQueues.split(",")) {
            var settings = broker.getAddressSettings().get(queue);
            assertThat(settings).as(queue).isNotNull();
            assertThat(settings.getMaxDeliveryAttempts()).as(queue).isEqualTo(queues.get("max-delivery-attempts"));
            assertThat(settings.getRedeliveryDelay()).as(queue).isEqualTo(
                    org.springframework.boot.convert.DurationStyle.detectAndParse(
                            String.valueOf(queues.get("redelivery-delay"))).toMillis());
            assertThat(settings.getRedeliveryMultiplier()).as(queue).isEqualTo(2.0);
            assertThat(settings.getMaxRedeliveryDelay()).as(queue).isEqualTo(60_000);
            assertThat(settings.getDefaultGroupBuckets()).as(queue).isEqualTo(queues.get("order-group-buckets"));
            assertThat(String.valueOf(settings.getDeadLetterAddress())).as(queue).isEqualTo("DLQ");
        }

        Map<String, Object> artemis = (Map<String, Object>) services().get("artemis");
        List<String> command = (List<String>) artemis.get("command");
        String mounted = command.get(command.indexOf("--properties") + 1);
        assertThat((List<String>) artemis.get("volumes")).contains("./artemis/broker.properties:" + mounted + ":ro");
        assertThat(artemis).containsKey("healthcheck");
        Map<String, Object> dependsOn = (Map<String, Object>) ((Map<String, Object>) services().get("hub"))
                .get("depends_on");
        for (String dependency : List.of("postgres", "artemis")) {
            assertThat((Map<String, Object>) dependsOn.get(dependency)).as(dependency)
                    .containsEntry("condition", "service_healthy");
            assertThat((Map<String, Object>) services().get(dependency)).as(dependency).containsKey("healthcheck");
        }
    }

    /**
     * compose starts the hubs once PostgreSQL takes TCP connections to their database as their user: on a fresh
     * volume the postgres image's first initialisation runs a temporary server on the Unix socket only, and
     * {@code pg_isready -U connectify} (the socket) said healthy then; the hubs, over TCP, met connection refused.
     */
    @Test
    @SuppressWarnings("unchecked")
    void thePostgresHealthCheckAsksOverTcpForTheHubsDatabase() throws IOException {
        Map<String, Object> postgres = (Map<String, Object>) services().get("postgres");
        Map<String, Object> environment = (Map<String, Object>) postgres.get("environment");
        Map<String, Object> hubEnvironment = (Map<String, Object>) ((Map<String, Object>) services().get("hub"))
                .get("environment");
        assertThat(hubEnvironment).containsEntry("SPRING_DATASOURCE_URL",
                "jdbc:postgresql://postgres:5432/" + environment.get("POSTGRES_DB"))
                .containsEntry("SPRING_DATASOURCE_USERNAME", environment.get("POSTGRES_USER"));
        List<String> test = (List<String>) ((Map<String, Object>) postgres.get("healthcheck")).get("test");
        assertThat(test).containsExactly("CMD-SHELL", "pg_isready -h 127.0.0.1 -U " + environment.get("POSTGRES_USER")
                + " -d " + environment.get("POSTGRES_DB"));
    }

    /** A single hub keeps its database, broker journal and inbox (./data under /app) in a volume, not the container. */
    @Test
    void theImageKeepsTheHubsDataInAVolume() throws IOException {
        List<String> dockerfile = Files.readAllLines(Path.of("docker", "Dockerfile"));
        assertThat(dockerfile).contains("WORKDIR /app");
        assertThat(dockerfile).anyMatch(line -> line.matches("VOLUME \\[\"/app/data\"]"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> services() throws IOException {
        return (Map<String, Object>) new Yaml().<Map<String, Object>>load(
                Files.readString(Path.of("docker", "compose.yaml"))).get("services");
    }

    @Test
    void theImageIsBuiltFromFilesTheBuildContextSendsAndNoSecretsFileIsCommitted() throws IOException {
        List<String> ignored = Files.readAllLines(Path.of(".dockerignore")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        assertThat(ignored.get(0)).isEqualTo("*"); // everything left out but what is named
        List<String> copied = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("docker", "Dockerfile"))) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("COPY") && !words[1].startsWith("--")) {
                copied.addAll(List.of(words).subList(1, words.length - 1));
            }
        }
        assertThat(copied).contains("pom.xml", "src").allSatisfy(source -> {
            assertThat(ignored).contains("!" + source);
            assertThat(Path.of(source)).exists();
        });
        assertThat(Files.readAllLines(Path.of(".gitignore"))).contains(".env");
    }

    /**
     * WebhookSignatureFailuresSpike's share of rejected deliveries left out no reason: one probe of a webhook path in
     * a quiet quarter hour (a wrong Payrexx path token, an unsigned POST to Stripe's) was a share of 1, and fired.
     * The share leaves out the rejections the internet's probes make, and needs at least 5; every reason the rule
     * names is one the hub counts.
     */
    @Test
    void theWebhookSpikeCountsNoProbeAndNeedsAFloor() throws IOException {
        String expr = rule("WebhookSignatureFailuresSpike").get("expr").toString();
        Set<String> emitted = new TreeSet<>();
        io.connectify.hub.webhook.WebhookMetrics.REJECTION_REASONS.values().forEach(emitted::addAll);

        Matcher reasons = Pattern.compile("reason(=|=~|!=|!~)\"([^\"]*)\"").matcher(expr);
        int named = 0;
        while (reasons.find()) {
            named++;
            assertThat(emitted).as(reasons.group()).containsAll(List.of(reasons.group(2).split("\\|")));
        }
        assertThat(named).isGreaterThanOrEqualTo(3);

        Matcher shares = Pattern.compile("connectify_webhook_rejected_total\\{([^}]*)}\\[15m]").matcher(expr);
        int selections = 0;
        while (shares.find()) {
            selections++;
            Matcher excluded = Pattern.compile("reason!~\"([^\"]*)\"").matcher(shares.group(1));
            assertThat(excluded.find()).as(shares.group()).isTrue();
            assertThat(List.of(excluded.group(1).split("\\|"))).as(shares.group())
                    .contains("stale-timestamp", "missing-header", "bad-token", "bad-path", "unknown-channel", "push-off");
        }
        assertThat(selections).isGreaterThanOrEqualTo(2); // the share's numerator and its denominator
        assertThat(expr).containsPattern("increase\\(connectify_webhook_rejected_total\\{[^}]*}\\[15m]\\)\\)\\s*>=\\s*5");
    }

    /**
     * With the hub down or not scraped no series exists, and a rule over a series says nothing: HubDown asks whether
     * any instance of the job prometheus.yml scrapes is up, and NoClusterLeader fires on no leader series too.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theHubDownAndUnscrapedIsAlerted() throws IOException {
        Map<String, Object> prometheus = new Yaml().load(Files.readString(Path.of("docker", "prometheus", "prometheus.yml")));
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) prometheus.get("scrape_configs");
        List<Object> hubJobs = jobs.stream().filter(job -> "/actuator/prometheus".equals(job.get("metrics_path")))
                .map(job -> job.get("job_name")).toList();
        assertThat(hubJobs).hasSize(1);

        assertThat(compact(rule("HubDown").get("expr"))).isEqualTo("absent(up{job=\"" + hubJobs.get(0) + "\"}==1)");
        assertThat(compact(rule("NoClusterLeader").get("expr"))).contains("absent(connectify_cluster_leader)");
    }

    /**
     * Two replicas report the same value of the shared database or broker (refunds pending, dead letters waiting,
     * queue depths), and counted events land on either: every rule's metric is inside an aggregation over the
     * instances, so it fires once for the cluster, but the rules about one instance's own state.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyRuleButThoseAboutOneInstanceFiresOnceForTheCluster() throws IOException {
        Set<String> perInstance = Set.of("WebhookInboxNotForwarding", "WebhookInboxStuck", "HubInstanceDown");
        Pattern aggregated = Pattern.compile("(?:(?:max|sum|min|count)\\s*(?:by\\s*\\([^)]*\\)\\s*)?|absent)\\(\\s*"
                + "(?:(?:increase|rate|max_over_time)\\(\\s*)?$");
        List<String> checked = new ArrayList<>();
        for (Map<String, Object> rule : rules()) {
            String name = (String) rule.get("alert");
            if (perInstance.contains(name)) {
                continue;
            }
            String expr = String.valueOf(rule.get("expr"));
            for (PromQl.Selector metric : PromQl.parse(expr).selectors()) {
                assertThat(aggregated.matcher(expr.substring(0, metric.start())).find())
                        .as(name + ": " + metric.metric() + " outside max/sum").isTrue();
            }
            checked.add(name);
        }
        assertThat(checked).contains("RefundsPending", "DeadLettersWaiting", "BrokerDeadLetters", "QueueBacklog");
    }

    /**
     * docker/prometheus/alerts.test.yml, promtool's unit tests of the rules (no promtool here): it parses, tests
     * alerts.yml, names only rules it defines, and each alert it expects carries its rule's labels and its rule's
     * annotations with their templates filled in (promtool compares them exactly). Its scenarios are there: one probe
     * alerts nobody, no hub series fires HubDown and NoClusterLeader, two instances fire RefundsPending once.
     */
    @Test
    @SuppressWarnings("unchecked")
    void thePromtoolTestsOfTheRulesNameOnlyItsRulesAndTheirAnnotations() throws IOException {
        Map<String, Object> unitTests = new Yaml().load(Files.readString(
                Path.of("docker", "prometheus", "alerts.test.yml")));
        assertThat((List<String>) unitTests.get("rule_files")).containsExactly("alerts.yml");
        Map<String, Map<String, Object>> rules = new java.util.HashMap<>();
        rules().forEach(rule -> rules.put((String) rule.get("alert"), rule));

        Map<String, List<Integer>> expected = new java.util.HashMap<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) unitTests.get("tests")) {
            assertThat((List<?>) group.get("input_series")).isNotEmpty();
            for (Map<String, Object> test : (List<Map<String, Object>>) group.get("alert_rule_test")) {
                String name = (String) test.get("alertname");
                assertThat(rules).as(name).containsKey(name);
                List<Map<String, Object>> alerts = (List<Map<String, Object>>) test.get("exp_alerts");
                expected.computeIfAbsent(name, n -> new ArrayList<>()).add(alerts.size());
                for (Map<String, Object> alert : alerts) {
                    Map<String, String> labels = (Map<String, String>) alert.get("exp_labels");
                    assertThat(labels).as(name).containsAllEntriesOf((Map<String, String>) rules.get(name).get("labels"));
                    Map<String, String> annotations = (Map<String, String>) rules.get(name).get("annotations");
                    Map<String, String> filled = (Map<String, String>) alert.get("exp_annotations");
                    assertThat(filled.keySet()).as(name).isEqualTo(annotations.keySet());
                    annotations.forEach((key, template) -> assertThat(filled.get(key)).as(name + " " + key)
                            .matches(filledIn(template, labels)));
                }
            }
        }
        assertThat(expected.get("WebhookSignatureFailuresSpike")).contains(0, 1);
        assertThat(expected.get("ProviderCircuitOpen")).contains(0, 1);
        assertThat(expected.get("HubReplicaMissing")).contains(0, 1);
        assertThat(expected.get("HubDown")).contains(1);
        assertThat(expected.get("NoClusterLeader")).contains(1);
        assertThat(expected.get("RefundsPending")).containsExactly(1);
        assertThat(expected.get("NotificationsRefused")).contains(0, 1);
        assertThat(expected.get("InvalidRecipientsSpike")).contains(0, 1);
        assertThat(expected.get("GoogleCalendarPushChannelNotDelivering")).contains(0, 1);
        assertThat(Files.readString(Path.of("README.md"))).contains("promtool test rules docker/prometheus/alerts.test.yml");
        // Prometheus's own: evaluated once a minute, the tests skipped the scrapes that reset a rule's for:
        Map<String, Object> global = (Map<String, Object>) new Yaml().<Map<String, Object>>load(Files.readString(
                Path.of("docker", "prometheus", "prometheus.yml"))).get("global");
        assertThat(unitTests.get("evaluation_interval")).isEqualTo(global.get("evaluation_interval"));
    }

    /**
     * Under traffic a breaker cycles OPEN, HALF_OPEN (its trial calls fail), OPEN: a rule on state="open" lost its
     * for: at every HALF_OPEN scrape and never fired through an outage. But "not closed" alone paged for hours after
     * an outage at low traffic, the breaker HALF_OPEN, its first trial call a success, until two more calls came.
     * ProviderCircuitOpen fires on a breaker not closed that was open (or forced open) within the last 5 minutes, on
     * the same instance, or half-open with a failed trial call and none succeeded: in a quiet outage the breaker
     * waits half-open for hours between trial calls, and the rule cleared 5 minutes after each OPEN and paged again
     * at the next. alerts.test.yml runs these cases through promtool.
     */
    @Test
    void theCircuitAlertFiresOnABreakerNotClosedAndOpenWithinMinutesOrHalfOpenWithItsTrialCallsFailing()
            throws IOException {
        assertThat(compact(rule("ProviderCircuitOpen").get("expr"))).isEqualTo("maxby(name)(("
                + "maxby(instance,name)(max_over_time(resilience4j_circuitbreaker_state{state=~\"open|forced_open\"}[5m]))==1"
                + "oron(instance,name)("
                + "maxby(instance,name)(resilience4j_circuitbreaker_state{state=\"half_open\"})==1"
                + "andon(instance,name)maxby(instance,name)(resilience4j_circuitbreaker_buffered_calls{kind=\"failed\"})>0"
                + "andon(instance,name)maxby(instance,name)(resilience4j_circuitbreaker_buffered_calls{kind=\"successful\"})==0))"
                + "andon(instance,name)"
                + "minby(instance,name)(resilience4j_circuitbreaker_state{state=\"closed\"})==0)");
    }

    /**
     * What ProviderCircuitOpen reads of a half-open breaker: its buffered calls are its trial calls, so a failed one
     * shows as one failed and none successful while the breaker waits half-open for the others (three are permitted),
     * and a trial call that succeeds shows at once.
     */
    @Test
    void aHalfOpenBreakersBufferedCallsAreItsTrialCalls() {
        var breaker = resilience.circuitBreaker("google-calendar");
        try {
            breaker.transitionToOpenState();
            breaker.transitionToHalfOpenState();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> breaker.executeRunnable(() -> {
                throw new IllegalStateException("the provider is down");
            }));

            String scrape = httpGet("/actuator/prometheus", null).body();
            assertThat(gcalBreakerGauge(scrape, "state", "state=\"half_open\"")).isEqualTo(1.0);
            assertThat(gcalBreakerGauge(scrape, "buffered_calls", "kind=\"failed\"")).isEqualTo(1.0);
            assertThat(gcalBreakerGauge(scrape, "buffered_calls", "kind=\"successful\"")).isEqualTo(0.0);

            breaker.executeRunnable(() -> { });

            scrape = httpGet("/actuator/prometheus", null).body();
            assertThat(gcalBreakerGauge(scrape, "state", "state=\"half_open\"")).isEqualTo(1.0);
            assertThat(gcalBreakerGauge(scrape, "buffered_calls", "kind=\"failed\"")).isEqualTo(1.0);
            assertThat(gcalBreakerGauge(scrape, "buffered_calls", "kind=\"successful\"")).isEqualTo(1.0);
        } finally {
            breaker.reset();
        }
    }

    /** The value of the google-calendar breaker's series of resilience4j_circuitbreaker_{gauge} with that label. */
    private static double gcalBreakerGauge(String scrape, String gauge, String label) {
        Matcher line = Pattern.compile("(?m)^resilience4j_circuitbreaker_" + gauge + "\\{([^}]*)\\} (\\S+)$").matcher(scrape);
        while (line.find()) {
            if (line.group(1).contains("name=\"google-calendar\"") && line.group(1).contains(label)) {
                return Double.parseDouble(line.group(2));
            }
        }
        throw new AssertionError("no " + gauge + " series of google-calendar with " + label);
    }

    /**
     * A replica that exits (an OutOfMemoryError ends the JVM: -XX:+ExitOnOutOfMemoryError) is started again, and so
     * is every other service of the stack; one that does not come back is no target of dns_sd any more, so up == 0
     * never fires for it: HubReplicaMissing counts the replicas that answer against the number compose runs, which
     * each hub publishes from connectify.cluster.expected-replicas (compose sets it to deploy.replicas, unless
     * HUB_REPLICAS says otherwise for --scale); before, the rule held the count, 2, itself. alerts.test.yml runs it.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyServiceRestartsAndAMissingReplicaIsAlerted() throws IOException {
        assertThat(Files.readAllLines(Path.of("docker", "jvm.options"))).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(services()).containsKeys("hub", "postgres", "artemis", "prometheus", "grafana")
                .allSatisfy((name, service) -> assertThat((Map<String, Object>) service).as(name)
                        .containsEntry("restart", "unless-stopped"));
        Object replicas = ((Map<String, Object>) ((Map<String, Object>) services().get("hub")).get("deploy"))
                .get("replicas");
        assertThat(replicas).isInstanceOf(Integer.class);
        Map<String, Object> environment = (Map<String, Object>) ((Map<String, Object>) services().get("hub"))
                .get("environment");
        assertThat(environment).containsEntry("CONNECTIFY_CLUSTER_EXPECTEDREPLICAS", "${HUB_REPLICAS:-" + replicas + "}");
        assertThat(compact(rule("HubReplicaMissing").get("expr"))).isEqualTo("count(up{job=\"connectify-hub\"}==1)"
                + "<max(connectify_cluster_expected_replicas)");
    }

    /**
     * Every instance reports the shared database's and broker's counts: the dashboard draws their max, not one line
     * per instance; and it shows the route policy's timer, each route's processing time.
     */
    @Test
    void theDashboardDrawsTheSharedCountsOnceAndTheRoutesProcessingTime() throws IOException {
        Set<String> shared = Set.of("connectify_bookings", "connectify_bookings_refund_pending",
                "connectify_dead_letters_stored", "connectify_dead_letters_replay_overdue", "connectify_queue_depth");
        Pattern maxOver = Pattern.compile("max\\s*(?:by\\s*\\([^)]*\\)\\s*)?\\(\\s*$");
        List<String> drawn = new ArrayList<>();
        for (String expr : dashboardExpressions()) {
            for (PromQl.Selector metric : PromQl.parse(expr).selectors()) {
                if (shared.contains(metric.metric())) {
                    drawn.add(metric.metric());
                    assertThat(maxOver.matcher(expr.substring(0, metric.start())).find())
                            .as(expr + ": " + metric.metric() + " outside max").isTrue();
                }
            }
        }
        assertThat(drawn).containsAll(shared);
        assertThat(dashboardExpressions()).anyMatch(expr -> expr.contains("camel_route_policy_seconds_sum")
                && expr.contains("camel_route_policy_seconds_count") && expr.contains("by (routeId)"));
    }

    /** A pattern of an annotation as Prometheus fills its template in: labels by the alert's, any value. */
    private static Pattern filledIn(String template, Map<String, String> labels) {
        StringBuilder pattern = new StringBuilder();
        Matcher field = Pattern.compile("\\{\\{ *\\$(labels\\.(\\w+)|value)[^}]*}}").matcher(template);
        int at = 0;
        while (field.find()) {
            pattern.append(Pattern.quote(template.substring(at, field.start())));
            pattern.append(field.group(2) != null ? Pattern.quote(labels.get(field.group(2))) : ".+");
            at = field.end();
        }
        return Pattern.compile(pattern.append(Pattern.quote(template.substring(at))).toString(), Pattern.DOTALL);
    }

    private static String compact(Object expr) {
        return String.valueOf(expr).replaceAll("\\s+", "");
    }

    private static Map<String, Object> rule(String name) throws IOException {
        return rules().stream().filter(rule -> name.equals(rule.get("alert"))).findFirst()
                .orElseThrow(() -> new AssertionError("no rule " + name));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() throws IOException {
        Map<String, Object> rules = new Yaml().load(Files.readString(Path.of("docker", "prometheus", "alerts.yml")));
        List<Map<String, Object>> all = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            all.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        return all;
    }

    private static List<String> dashboardExpressions() throws IOException {
        return dashboardTargets().stream().map(target -> target.get("expr").asText()).toList();
    }

    /** The queries of every panel, those of the panels a row holds (a collapsed row's) included. */
    private static List<JsonNode> dashboardTargets() throws IOException {
        JsonNode dashboard = JSON.readTree(Path.of("docker", "grafana", "dashboards", "connectify-hub.json").toFile());
        List<JsonNode> targets = new ArrayList<>();
        List<JsonNode> panels = new ArrayList<>();
        dashboard.get("panels").forEach(panels::add);
        while (!panels.isEmpty()) {
            JsonNode panel = panels.remove(0);
            panel.path("targets").forEach(targets::add);
            panel.path("panels").forEach(panels::add);
        }
        assertThat(targets).hasSizeGreaterThanOrEqualTo(10);
        return targets;
    }
}
