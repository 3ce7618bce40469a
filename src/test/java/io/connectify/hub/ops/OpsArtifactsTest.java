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

        Set<String> queried = new TreeSet<>();
        for (String expr : alertExpressions()) {
            queried.addAll(metrics(expr));
        }
        for (String expr : dashboardExpressions()) {
            queried.addAll(metrics(expr));
        }

        assertThat(queried).contains("camel_exchanges_total", "resilience4j_circuitbreaker_state",
                "connectify_dead_letters_total", "connectify_webhook_rejected_total", "connectify_queue_depth");
        for (String metric : queried) {
            assertThat(scrape).as(metric).containsPattern("(?m)^" + metric + "[{ ]");
        }
        assertThat(scrape).containsPattern("camel_exchanges_total\\{[^}]*eventType=\"route\"");
        // per route only (camel.metrics.route-policy-level): the context-wide series would repeat their sums
        assertThat(scrape).doesNotContainPattern("camel_[a-z_]+\\{[^}]*eventType=\"context\"");
        assertThat(scrape).containsPattern("resilience4j_circuitbreaker_state\\{[^}]*state=\"open\"");
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
        dashboard.get("panels").forEach(p -> p.get("targets").forEach(t -> expressions.add(t.get("expr").asText())));
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(10);
        return expressions;
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
