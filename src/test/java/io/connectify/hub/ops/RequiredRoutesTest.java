package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.ConnectifyHubApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * Route files that lack a route the hub cannot work without stop the start with one "APPLICATION FAILED TO START"
 * block naming camel.main.routes-include-pattern and what is missing. Before, a pattern that matched nothing
 * (classpath:route/*.camel.yaml, a typo) started a ready hub with 26 routes of 115, no WARN, answering 404 to every
 * API and webhook path.
 */
@ExtendWith(OutputCaptureExtension.class)
class RequiredRoutesTest {

    @Test
    void aRoutesPatternThatMatchesNoFileStopsTheStartNamingIt(CapturedOutput output) {
        assertThatThrownBy(() -> start("classpath:route/*.camel.yaml")).hasRootCauseInstanceOf(ConfigurationError.class);

        String report = report(output);
        assertThat(report).contains("camel.main.routes-include-pattern (classpath:route/*.camel.yaml) loaded no "
                        + "REST definition api-v1, route stripe-webhook-receive, route payrexx-webhook-receive")
                .contains("route booking-expire-holds")
                .contains("CAMEL_MAIN_ROUTESINCLUDEPATTERN").contains("classpath:routes/*.camel.yaml")
                .doesNotContain("Caused by").doesNotContain("\tat ");
    }

    /**
     * A directory whose webhook ingress file is not named *.camel.yaml (so not matched), and without the route of one
     * REST operation: the start names the three webhook receivers and the operation's route, and nothing else.
     */
    @Test
    void routeFilesWithoutTheWebhookIngressNameItsRoutes(@TempDir Path routes, CapturedOutput output)
            throws IOException {
        for (Resource file : new PathMatchingResourcePatternResolver().getResources("classpath:routes/*.camel.yaml")) {
            String name = file.getFilename();
            String yaml = file.getContentAsString(java.nio.charset.StandardCharsets.UTF_8);
            if (name.equals("webhook-ingress.camel.yaml")) {
                Files.writeString(routes.resolve("webhook-ingress.yaml"), yaml);
            } else if (name.equals("ops-api.camel.yaml")) {
                // the integrations overview's route left out: its REST verb stays
                Files.writeString(routes.resolve(name), yaml.replace("uri: direct:admin-integrations",
                        "uri: direct:admin-integrations-renamed"));
            } else {
                Files.writeString(routes.resolve(name), yaml);
            }
        }
        String pattern = "file:" + routes + "/*.camel.yaml";

        assertThatThrownBy(() -> start(pattern)).hasRootCauseInstanceOf(ConfigurationError.class);

        String report = report(output);
        assertThat(report).contains("camel.main.routes-include-pattern (" + pattern + ") loaded no route from "
                        + "direct:admin-integrations (REST GET /api/v1/admin/integrations), route stripe-webhook-receive, "
                        + "route payrexx-webhook-receive, route gcal-webhook-receive: the hub would answer 404")
                .doesNotContain("REST definition").doesNotContain("twilio-status-receive");
    }

    @Test
    void theShippedRouteFilesHoldEveryRequiredRoute() throws IOException {
        String shipped = String.join("\n", List.of(new PathMatchingResourcePatternResolver()
                .getResources("classpath:routes/*.camel.yaml")).stream().map(RequiredRoutesTest::read).toList());

        assertThat(shipped).contains("id: " + RequiredRoutes.REST_API);
        for (String id : RequiredRoutes.ROUTES) {
            assertThat(shipped).containsPattern("(id|routeId): " + id + "\n");
        }
    }

    private static String read(Resource file) {
        try {
            return file.getContentAsString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void start(String pattern) {
        new SpringApplicationBuilder(ConnectifyHubApplication.class).profiles("test")
                .properties("spring.main.banner-mode=off", "server.port=0")
                .run("--camel.main.routes-include-pattern=" + pattern).close();
    }

    private static String report(CapturedOutput output) {
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START");
        return output.getAll().substring(output.getAll().lastIndexOf("APPLICATION FAILED TO START"));
    }
}
