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
 * dashboard and the Prometheus alert rules query is one a running hub exposes.
 */
@HubTest
class OpsArtifactsTest extends HubTestBase {

    private static final Pattern METRIC = Pattern.compile("\\b((?:camel|resilience4j|connectify|http_server_requests)_[a-z0-9_]+)");

    @Test
    void everyMetricTheDashboardAndAlertsQueryIsExposed() throws IOException {
        httpGet("/api/v1/prices?duration=60"); // a route has run
        String scrape = httpGet("/actuator/prometheus", null).body();

        List<String> expressions = new ArrayList<>(alertExpressions());
        expressions.addAll(dashboardExpressions());
        Set<String> queried = new TreeSet<>();
        for (String expr : expressions) {
            queried.addAll(metrics(expr));
        }

        assertThat(queried).contains("camel_exchanges_total", "resilience4j_circuitbreaker_state",
                "connectify_dead_letters_total", "connectify_webhook_rejected_total", "connectify_queue_depth",
                "connectify_gcal_rechecks_total", "connectify_gcal_push_channels_total",
                "connectify_gcal_push_orphan_channels_total",
                "connectify_gcal_bookings_events_missing_total", "connectify_gcal_bookings_moves_refused_total");
        for (String metric : queried) {
            assertThat(scrape).as(metric).containsPattern("(?m)^" + metric + "[{ ]");
        }
        // a series a query picks by a label's value exists too, before its first event (at zero): an alert on
        // increase() of a series that appears only with its first event never sees that event
        Set<String> selected = new TreeSet<>();
        for (String expr : expressions) {
            selected.addAll(labelSelections(expr));
        }
        assertThat(selected).contains("connectify_gcal_rechecks_total{outcome=\"all-missing\"}",
                "connectify_webhook_rejected_total{provider=\"google-calendar\"}");
        for (String selection : selected) {
            String metric = selection.substring(0, selection.indexOf('{'));
            String label = selection.substring(selection.indexOf('{') + 1, selection.length() - 1);
            assertThat(scrape).as(selection).containsPattern("(?m)^" + Pattern.quote(metric) + "\\{[^}]*"
                    + Pattern.quote(label) + "[,}]");
        }
        assertThat(scrape).containsPattern("camel_exchanges_total\\{[^}]*eventType=\"route\"");
        // per route only (camel.metrics.route-policy-level): the context-wide series would repeat their sums
        assertThat(scrape).doesNotContainPattern("camel_[a-z_]+\\{[^}]*eventType=\"context\"");
        assertThat(scrape).containsPattern("resilience4j_circuitbreaker_state\\{[^}]*state=\"open\"");
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
        assertThat(environment.keySet()).noneMatch(name -> name.startsWith("CONNECTIFY_"));

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

    @SuppressWarnings("unchecked")
    private static List<String> alertExpressions() throws IOException {
        Map<String, Object> rules = new Yaml().load(Files.readString(Path.of("docker", "prometheus", "alerts.yml")));
        List<String> expressions = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                expressions.add(String.valueOf(rule.get("expr")));
            }
        }
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(5);
        return expressions;
    }

    private static List<String> dashboardExpressions() throws IOException {
        JsonNode dashboard = JSON.readTree(Path.of("docker", "grafana", "dashboards", "connectify-hub.json").toFile());
        List<String> expressions = new ArrayList<>();
        // a row has no targets
        dashboard.get("panels").forEach(p -> p.path("targets").forEach(t -> expressions.add(t.get("expr").asText())));
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(10);
        return expressions;
    }

    /** Each {@code metric{label="value"}} an expression selects by an exact value (not =~ or !=), as written. */
    private static Set<String> labelSelections(String expr) {
        Set<String> selections = new TreeSet<>();
        Matcher selector = Pattern.compile(METRIC.pattern() + "\\{([^}]*)}").matcher(expr);
        while (selector.find()) {
            // name="value" only: in name=~"..." and name!="..." no name is followed by ="
            Matcher label = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(selector.group(2));
            while (label.find()) {
                selections.add(selector.group(1) + "{" + label.group(1) + "=\"" + label.group(2) + "\"}");
            }
        }
        return selections;
    }

    private static Set<String> metrics(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
