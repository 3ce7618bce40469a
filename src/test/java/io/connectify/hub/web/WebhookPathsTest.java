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

/** The webhook paths the form check and the Payrexx path count take for served are the routes' own. */
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

        for (String path : routePaths) {
            String sent = path.replace("{token}", "a-token");
            assertThat(WebhookPaths.served(post(sent))).as(sent).isTrue();
            assertThat(WebhookPaths.served(post(sent + "/"))).as(sent + "/").isFalse();
            assertThat(WebhookPaths.served(post(sent + "/x"))).as(sent + "/x").isFalse();
        }
        assertThat(WebhookPaths.payrexxUnserved(post("/webhooks/payrexx/a-token"))).isFalse();
        assertThat(WebhookPaths.payrexxUnserved(post("/webhooks/payrexx/a-token/"))).isTrue();
        assertThat(WebhookPaths.payrexxShape(post("/webhooks/payrexx/a-token/x"))).doesNotContain("a-token")
                .isEqualTo("2 segments after /webhooks/payrexx/");
        assertThat(WebhookPaths.payrexxShape(post("/webhooks/payrexx/"))).isEqualTo("no token");
    }

    private static MockHttpServletRequest post(String path) {
        return new MockHttpServletRequest("POST", path);
    }
}
