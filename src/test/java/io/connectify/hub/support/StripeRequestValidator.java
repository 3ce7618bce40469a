package io.connectify.hub.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks the form-encoded requests a Stripe fake received against Stripe's official OpenAPI description in
 * {@code src/test/specs/} (vendored: a fresh clone runs the suite alone): the operation exists, every required field is sent, and every field the hub sends
 * (bracket paths such as {@code line_items[0][price_data][unit_amount]}) exists in the operation's schema, and every
 * query parameter is one of the operation's.
 * Written by hand because swagger-request-validator cannot load this 4 MB description.
 */
public final class StripeRequestValidator {

    private static final Path SPEC = Path.of("src", "test", "specs", "stripe.openapi.yaml");
    private static Map<String, Object> spec;

    /**
     * Fields the hub sends that Stripe added after the description's API version (2023-08-16; stripe-java 31 pins
     * 2025-12-15.clover): Checkout's Adaptive Pricing (2024), turned off for a booking's session.
     */
    private static final java.util.Set<String> NEWER_THAN_THE_DESCRIPTION =
            java.util.Set.of("/v1/checkout/sessions adaptive_pricing[enabled]");

    private StripeRequestValidator() {
    }

    public static void assertValid(WireMockServer server) {
        for (var logged : server.findAll(WireMock.anyRequestedFor(WireMock.urlPathMatching("/v1/.*")))) {
            String path = logged.getUrl().split("\\?")[0];
            Map<String, Object> operation = map(map(specPath(path)).get(logged.getMethod().getName().toLowerCase()));
            assertThat(operation).as("%s %s is a Stripe operation", logged.getMethod(), path).isNotEmpty();
            Map<String, Object> schema = map(map(map(map(operation.get("requestBody")).get("content"))
                    .get("application/x-www-form-urlencoded")).get("schema"));
            Map<String, String> form = form(logged.getBodyAsString());
            for (Object required : list(schema.get("required"))) {
                assertThat(form.keySet()).as("%s sends required '%s'", path, required)
                        .anyMatch(k -> k.equals(required) || k.startsWith(required + "["));
            }
            for (String field : form.keySet()) {
                assertThat(known(schema, segments(field)) || NEWER_THAN_THE_DESCRIPTION.contains(path + " " + field))
                        .as("%s: '%s' is in Stripe's schema", path, field).isTrue();
            }
            String query = logged.getUrl().contains("?") ? logged.getUrl().split("\\?", 2)[1] : "";
            for (String parameter : form(query).keySet()) {
                assertThat(list(operation.get("parameters"))).as("%s: query parameter '%s' is Stripe's", path, parameter)
                        .anyMatch(p -> "query".equals(map(p).get("in")) && parameter.equals(map(p).get("name")));
            }
        }
    }

    /** The description's path for a request's: the same, or a template whose {parameters} match its segments. */
    private static Object specPath(String path) {
        Map<String, Object> paths = map(spec().get("paths"));
        if (paths.containsKey(path)) {
            return paths.get(path);
        }
        return paths.entrySet().stream()
                .filter(e -> path.matches(e.getKey().replaceAll("\\{[^}/]+}", "[^/]+")))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** Walks the schema along a bracket path; objects with additionalProperties (metadata) accept any key. */
    private static boolean known(Map<String, Object> schema, List<String> segments) {
        if (segments.isEmpty()) {
            return true;
        }
        List<Map<String, Object>> options = new ArrayList<>();
        options.add(schema);
        for (Object alternative : list(schema.get("anyOf"))) {
            options.add(map(alternative));
        }
        for (Map<String, Object> option : options) {
            String head = segments.get(0);
            List<String> rest = segments.subList(1, segments.size());
            Map<String, Object> properties = map(option.get("properties"));
            if (properties.containsKey(head) && known(map(properties.get(head)), rest)) {
                return true;
            }
            if (head.matches("[0-9]+") && option.get("items") != null && known(map(option.get("items")), rest)) {
                return true;
            }
            if (option.get("additionalProperties") != null && !Boolean.FALSE.equals(option.get("additionalProperties"))
                    && rest.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static List<String> segments(String field) {
        List<String> segments = new ArrayList<>();
        for (String part : field.replace("]", "").split("\\[")) {
            segments.add(part);
        }
        return segments;
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body == null || body.isEmpty() ? new String[0] : body.split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return form;
    }

    private static synchronized Map<String, Object> spec() {
        if (spec == null) {
            assertThat(Files.isReadable(SPEC)).as("Stripe API description at " + SPEC.toAbsolutePath()).isTrue();
            LoaderOptions options = new LoaderOptions();
            options.setCodePointLimit(50_000_000); // the description is larger than SnakeYAML's default 3 MB
            try (Reader reader = Files.newBufferedReader(SPEC)) {
                spec = new Yaml(options).load(reader);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return spec;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> l ? l : List.of();
    }
}
