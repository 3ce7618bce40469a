package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * How the webhook paths the routes consume are matched: each served exactly, nothing beyond it. That the running
 * hub reads them from its routes: {@link RequestEdgesTest#theWebhookPathsAreTheRoutesOwn}.
 */
class WebhookPathsTest {

    @Test
    void everyWebhookRoutesPathIsServedAndNothingBeyondIt() throws IOException {
        List<String> routePaths = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/routes"))) {
            for (Path file : files.toList()) {
                Matcher uri = Pattern.compile("uri: \"?platform-http:(/webhooks/[^\"\\s]+)").matcher(Files.readString(file));
                while (uri.find()) {
                    routePaths.add(uri.group(1));
                }
            }
        }
        assertThat(routePaths).hasSize(4);
        WebhookPaths paths = new WebhookPaths(routePaths);

        for (String path : routePaths) {
            String sent = path.replace("{token}", "a-token");
            assertThat(paths.served(post(sent))).as(sent).isTrue();
            assertThat(paths.served(post(sent + "/"))).as(sent + "/").isFalse();
            assertThat(paths.served(post(sent + "/x"))).as(sent + "/x").isFalse();
        }
        assertThat(paths.payrexxUnserved(post("/webhooks/payrexx/a-token"))).isFalse();
        assertThat(paths.payrexxUnserved(post("/webhooks/payrexx/a-token/"))).isTrue();
        assertThat(paths.payrexxShape(post("/webhooks/payrexx/a-token/x"))).doesNotContain("a-token")
                .isEqualTo("2 segments after /webhooks/payrexx/");
        assertThat(paths.payrexxShape(post("/webhooks/payrexx/"))).isEqualTo("no token");
    }

    /** The route's own matching takes a {name} as one segment, whatever it holds; the rest is literal. */
    @Test
    void aTemplatesLiteralPartsAreNotPatterns() {
        WebhookPaths paths = new WebhookPaths(List.of("/webhooks/a.b/{token}"));

        assertThat(paths.served(post("/webhooks/a.b/t-1"))).isTrue();
        assertThat(paths.served(post("/webhooks/aXb/t-1"))).isFalse();
        assertThat(paths.tokenPrefix()).isEqualTo("/webhooks/a.b/");
    }

    private static MockHttpServletRequest post(String path) {
        return new MockHttpServletRequest("POST", path);
    }
}
