package io.connectify.hub.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.connectify.hub.resilience.ProblemResponder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every simulator needs: read bodies and forms, answer JSON, and call the hub back with a webhook. */
final class SimulatorHttp {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger log = LoggerFactory.getLogger(SimulatorHttp.class);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SimulatorHttp() {
    }

    /** SDKs may gzip request bodies, as the real services accept. */
    static InputStream body(HttpExchange ex) throws IOException {
        return "gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))
                ? new GZIPInputStream(ex.getRequestBody()) : ex.getRequestBody();
    }

    static String bodyText(HttpExchange ex) throws IOException {
        return new String(body(ex).readAllBytes(), StandardCharsets.UTF_8);
    }

    /** A form or query string; bracketed keys (metadata[bookingId]) stay as they are. */
    static Map<String, String> form(String encoded) {
        Map<String, String> values = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return values;
        }
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                values.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    static void sendHtml(HttpExchange ex, String text) throws IOException {
        sendHtml(ex, 200, text);
    }

    static void sendHtml(HttpExchange ex, int status, String text) throws IOException {
        byte[] bytes = ("<!doctype html><title>Sandbox payment</title><p>" + text + "</p>")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=UTF-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    /**
     * Posts a webhook to the hub, as the provider would, without holding up the simulator's own answer. Done (never
     * failed) once the hub has answered or the post failed, for a provider that sends its next webhook only then.
     */
    static CompletableFuture<Void> webhook(String url, String contentType, String body, Map<String, String> headers) {
        var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    if (error != null || response.statusCode() >= 300) {
                        log.warn("Sandbox webhook to {} failed: {}", loggable(url),
                                error != null ? error.getClass().getSimpleName() : "HTTP " + response.statusCode());
                    }
                    return null;
                });
    }

    /**
     * The webhook URL as a log line may name it: Payrexx's path ends in the webhook token, so only its shape is told
     * ({@code /webhooks/payrexx/{token}}); no query. Before, a failed delivery logged the whole URL, token included.
     */
    static String loggable(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getRawAuthority() + ProblemResponder.masked(uri.getRawPath());
    }
}
