package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.Webhooks;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With Tomcat's access log on, a Payrexx webhook's line names its path as {@code /webhooks/payrexx/{token}}, in the
 * request line ({@code %r}) and the path ({@code %U}) alike; other paths as they are, and the log keeps the
 * settings it was given (directory, prefix, pattern, unbuffered). Before, every delivery's line held the token.
 */
@HubTest
class PayrexxTokenAccessLogTest extends Webhooks {

    private static final Path LOGS = temporaryDirectory();

    @DynamicPropertySource
    static void accessLog(DynamicPropertyRegistry registry) {
        registry.add("server.tomcat.accesslog.enabled", () -> "true");
        registry.add("server.tomcat.accesslog.directory", LOGS::toString);
        registry.add("server.tomcat.accesslog.prefix", () -> "hub_access");
        registry.add("server.tomcat.accesslog.pattern", () -> "%r [%U] %s");
        registry.add("server.tomcat.accesslog.buffered", () -> "false");
    }

    @Test
    void aPayrexxWebhooksTokenStaysOutOfTheAccessLog() {
        long before = posts(accessLog());
        payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/x-www-form-urlencoded", "transaction%5Bid%5D=1");
        payrexxWebhook("wrong-" + PayrexxFake.WEBHOOK_TOKEN + "?x=1", "application/json", "{}");
        assertThat(httpGet("/actuator/health", null).status()).isEqualTo(200);

        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> posts(accessLog()) >= before + 2
                        && accessLog().contains("GET /actuator/health HTTP/1.1 [/actuator/health] 200"));
        List<String> lines = accessLog();
        assertThat(lines).noneMatch(line -> line.contains(PayrexxFake.WEBHOOK_TOKEN));
        assertThat(lines.stream().filter(line -> line.startsWith("POST ")))
                .hasSize((int) before + 2)
                .allMatch(line -> line.startsWith("POST /webhooks/payrexx/{token} HTTP/1.1 [/webhooks/payrexx/{token}] "));
        assertThat(lines).contains("GET /actuator/health HTTP/1.1 [/actuator/health] 200");
    }

    /**
     * The same path spelled otherwise (a base URL ending in a slash, %-encoding, a dot segment, a path parameter) is
     * a Payrexx webhook's too, and masked as one. Before, only the exact spelling was: these lines held the token.
     */
    @Test
    void aPayrexxWebhooksTokenStaysOutOfTheAccessLogHoweverItsPathIsSpelled() {
        List<String> spellings = List.of("//webhooks/payrexx/", "/webhooks//payrexx/", "/webhooks/%70ayrexx/",
                "/webhooks/./payrexx/", "/webhooks/payrexx;x=1/");
        long before = posts(accessLog());
        spellings.forEach(path -> send(request(path + PayrexxFake.WEBHOOK_TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")), null));

        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> posts(accessLog()) >= before + spellings.size());
        List<String> lines = accessLog();
        assertThat(lines).noneMatch(line -> line.contains(PayrexxFake.WEBHOOK_TOKEN));
        assertThat(lines.stream().filter(line -> line.startsWith("POST ")))
                .hasSizeGreaterThanOrEqualTo(spellings.size())
                .allMatch(line -> line.startsWith("POST /webhooks/payrexx/{token} HTTP/1.1 [/webhooks/payrexx/{token}] "));
    }

    private static long posts(List<String> lines) {
        return lines.stream().filter(line -> line.startsWith("POST ")).count();
    }

    private static List<String> accessLog() {
        try (Stream<Path> files = Files.list(LOGS)) {
            return files.filter(file -> file.getFileName().toString().startsWith("hub_access"))
                    .flatMap(file -> {
                        try {
                            return Files.readAllLines(file).stream();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("hub-access-log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
