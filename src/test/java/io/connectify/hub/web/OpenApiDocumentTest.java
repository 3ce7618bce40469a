package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.RestApiProcessorFactory;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * GET /api/v1/openapi.json describes the API's contract (README "## API", "### Errors"): every operation's request
 * body, success and problem responses, the API key, the Idempotency-Key of every POST, the query parameters'
 * formats and bounds; and it is a valid OpenAPI 3 document that the hub's real requests and answers agree with.
 */
@HubTest
class OpenApiDocumentTest extends HubTestBase {

    private static final String V1 = "/api/v1";

    /** Every operation and the success status(es) it answers. */
    private static final Map<String, Set<String>> SUCCESS = new LinkedHashMap<>();

    static {
        success("200", "GET /availability", "GET /prices", "GET /bookings/{id}", "GET /bookings/{id}/notifications",
                "GET /admin/bookings", "GET /admin/bookings/attention", "GET /payments/payrexx/gateways/{id}", "GET /payments/payrexx/transactions/{id}",
                "GET /payments/stripe/payment-intents/{id}", "GET /payments/stripe/payment-intents/{id}/refunds",
                "GET /admin/dead-letters",
                "GET /admin/dead-letters/{id}", "GET /admin/broker-dead-letters", "GET /admin/integrations",
                "GET /calendar/events", "GET /calendar/events/{id}", "POST /bookings/{id}/cancel",
                "POST /bookings/{id}/reschedule", "POST /payments/stripe/checkout-sessions/{id}/expire",
                "POST /admin/dead-letters/{id}/replay", "POST /admin/broker-dead-letters/replay",
                "POST /admin/bookings/{id}/attention/clear", "POST /admin/bookings/{id}/refund/settled",
                "PATCH /calendar/events/{id}");
        success("201", "POST /bookings", "POST /bookings/asap", "POST /calendar/events",
                "POST /payments/stripe/payment-intents", "POST /payments/stripe/checkout-sessions",
                "POST /payments/refunds", "POST /payments/payrexx/gateways",
                "POST /payments/payrexx/transactions/{id}/refund", "POST /notifications/sms",
                "POST /notifications/email");
        success("204", "DELETE /calendar/events/{id}", "DELETE /admin/dead-letters/{id}",
                "DELETE /payments/payrexx/gateways/{id}");
    }

    /** The 201s that name what they made in a Location header. */
    private static final Set<String> LOCATION = Set.of("POST /bookings", "POST /bookings/asap",
            "POST /calendar/events", "POST /payments/payrexx/gateways");

    /** The fields of each request body, as README "## API" lists them; the required ones first, up to the "|". */
    private static final Map<String, String> BODIES = Map.ofEntries(
            Map.entry("POST /bookings", "start durationMinutes customer | summary description provider"),
            Map.entry("POST /bookings/asap", "durationMinutes customer | summary description provider"),
            Map.entry("POST /bookings/{id}/reschedule", "start |"),
            Map.entry("POST /admin/bookings/{id}/attention/clear", "since note |"),
            Map.entry("POST /admin/bookings/{id}/refund/settled", "note |"),
            Map.entry("POST /payments/stripe/payment-intents", "amount currency | description metadata"),
            Map.entry("POST /payments/stripe/checkout-sessions",
                    "amount currency description | customerEmail metadata successUrl cancelUrl"),
            Map.entry("POST /payments/refunds", "paymentIntent | amount reason"),
            Map.entry("POST /payments/payrexx/gateways",
                    "amount currency purpose | referenceId fields validity successUrl failedUrl cancelUrl"),
            Map.entry("POST /payments/payrexx/transactions/{id}/refund", "| amount"),
            Map.entry("POST /notifications/sms", "to body |"),
            Map.entry("POST /notifications/email", "to subject body | isHtml"),
            // one record for both: the create's required summary, start and end are the API bean's check
            Map.entry("POST /calendar/events", "| id summary description start end privateProperties"),
            Map.entry("PATCH /calendar/events/{id}", "| id summary description start end privateProperties"));

    /** The POSTs that take no body. */
    private static final Set<String> NO_BODY = Set.of("POST /bookings/{id}/cancel",
            "POST /payments/stripe/checkout-sessions/{id}/expire", "POST /admin/dead-letters/{id}/replay",
            "POST /admin/broker-dead-letters/replay");

    /** The POSTs whose body may be left out (a Payrexx refund without one: in full). */
    private static final Set<String> OPTIONAL_BODY = Set.of("POST /payments/payrexx/transactions/{id}/refund");

    private static void success(String status, String... operations) {
        for (String operation : operations) {
            SUCCESS.computeIfAbsent(operation, o -> new LinkedHashSet<>()).add(status);
        }
    }

    @Autowired
    private CamelContext camel;

    @Test
    void itIsServedByTheHubsCompletionWhichBuildsItOnTheFirstRequest() {
        // Camel takes the one RestApiProcessorFactory in the registry (OpenApiDocumentCompletionTest: built lazily)
        assertThat(camel.getRegistry().findByType(RestApiProcessorFactory.class))
                .singleElement().isInstanceOf(OpenApiDocumentCompletion.class);
    }

    @Test
    void itIsAValidOpenApi3Document() {
        String body = document().toString();

        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        var parsed = new OpenAPIV3Parser().readContents(body, null, options);

        assertThat(parsed.getMessages()).isEmpty();
        assertThat(parsed.getOpenAPI().getOpenapi()).startsWith("3.");
        // the server is where the document was fetched from, not Camel's "http://0.0.0.0", which no client can call
        assertThat(document().path("servers").findValuesAsText("url")).containsExactly("/");
        // OpenAPI 3 requires each template variable of a path declared as a required path parameter
        forEachOperation((operation, node) -> {
            var variables = Pattern.compile("\\{([^}]+)}").matcher(operation);
            while (variables.find()) {
                assertThat(parameter(node, "path", variables.group(1)).path("required").asBoolean())
                        .as(operation).isTrue();
            }
        });
    }

    @Test
    void everyOperationAnswersItsDocumentedSuccessWithADescription() {
        Map<String, Set<String>> found = new LinkedHashMap<>();
        forEachOperation((operation, node) -> {
            Set<String> success = new LinkedHashSet<>();
            node.path("responses").fields().forEachRemaining(response -> {
                assertThat(response.getKey()).as(operation).isNotEqualTo("default");
                assertThat(response.getValue().path("description").asText()).as(operation + " " + response.getKey())
                        .isNotBlank();
                if (response.getKey().startsWith("2")) {
                    success.add(response.getKey());
                }
            });
            found.put(operation, success);
            for (String created : success.stream().filter("201"::equals).toList()) {
                assertThat(node.path("responses").path(created).path("headers").has("Location"))
                        .as(operation + " Location").isEqualTo(LOCATION.contains(operation));
            }
        });

        assertThat(found).isEqualTo(SUCCESS);
    }

    @Test
    void everyProblemIsProblemJson() {
        JsonNode problem = document().path("components").path("schemas").path("Problem").path("properties");
        assertThat(fieldNames(problem)).containsExactlyInAnyOrder("type", "title", "status", "detail", "instance");

        forEachOperation((operation, node) -> {
            Set<String> problems = new LinkedHashSet<>();
            node.path("responses").fields().forEachRemaining(response -> {
                if (response.getKey().startsWith("4") || response.getKey().startsWith("5")) {
                    problems.add(response.getKey());
                    JsonNode content = response.getValue().path("content");
                    assertThat(fieldNames(content)).as(operation + " " + response.getKey())
                            .containsExactly("application/problem+json");
                    assertThat(content.path("application/problem+json").path("schema").path("$ref").asText())
                            .isEqualTo("#/components/schemas/Problem");
                }
            });
            assertThat(problems).as(operation).contains("401");
            assertThat(problems.contains("403")).as(operation + " 403").isEqualTo(operation.contains(" /admin/"));
            if (operation.contains("{id}")) {
                assertThat(problems).as(operation).contains("404");
            }
        });
    }

    /**
     * The answers the endpoints give that the document left out: GET /availability asks Google's FreeBusy, so it
     * answers Google's 429, 502 and 503 (its circuit open, with Retry-After); a booking, ASAP too, answers 409
     * invalid-state with Retry-After when another reservation holds the slot lock past the lock timeout.
     */
    @Test
    void theProviderAndLockAnswersAreDocumented() {
        JsonNode paths = document().path("paths");
        JsonNode availability = paths.path(V1 + "/availability").path("get").path("responses");
        assertThat(fieldNames(availability)).contains("429", "502", "503");
        assertThat(availability.path("429").path("headers").has("Retry-After")).isTrue();
        assertThat(availability.path("503").path("headers").has("Retry-After")).isTrue();
        for (String create : List.of("/bookings", "/bookings/asap")) {
            JsonNode conflict = paths.path(V1 + create).path("post").path("responses").path("409");
            assertThat(conflict.path("description").asText()).as(create).contains("invalid-state")
                    .contains("lock timeout");
            assertThat(conflict.path("headers").has("Retry-After")).as(create).isTrue();
        }
    }

    @Test
    void theApiKeyIsASchemeInTheHeaderAppliedToEveryOperation() {
        JsonNode document = document();
        JsonNode schemes = document.path("components").path("securitySchemes");

        assertThat(schemes.size()).isEqualTo(1);
        String name = schemes.fieldNames().next();
        JsonNode scheme = schemes.path(name);
        assertThat(scheme.path("type").asText()).isEqualTo("apiKey");
        assertThat(scheme.path("in").asText()).isEqualTo("header");
        assertThat(scheme.path("name").asText()).isEqualTo("X-API-Key");
        assertThat(document.path("security").toString()).isEqualTo("[{\"" + name + "\":[]}]");
        forEachOperation((operation, node) -> assertThat(node.has("security")).as(operation).isFalse());
    }

    @Test
    void everyBodyIsDescribedFieldByFieldAndEveryPostTakesAnIdempotencyKey() {
        JsonNode schemas = document().path("components").path("schemas");
        Set<String> described = new LinkedHashSet<>();

        forEachOperation((operation, node) -> {
            if (operation.startsWith("POST ")) {
                JsonNode key = parameter(node, "header", "Idempotency-Key");
                assertThat(key.path("required").asBoolean(true)).as(operation).isFalse();
                assertThat(key.path("schema").path("pattern").asText()).isEqualTo("^[A-Za-z0-9_\\-:.]{1,255}$");
            }
            if (!(operation.startsWith("POST ") || operation.startsWith("PATCH "))) {
                assertThat(node.has("requestBody")).as(operation).isFalse();
                return;
            }
            if (NO_BODY.contains(operation)) {
                assertThat(node.has("requestBody")).as(operation).isFalse();
                return;
            }
            JsonNode body = node.path("requestBody");
            assertThat(body.path("required").asBoolean()).as(operation).isEqualTo(!OPTIONAL_BODY.contains(operation));
            assertThat(fieldNames(body.path("content"))).as(operation).containsExactly("application/json");
            JsonNode schema = resolve(schemas, body.path("content").path("application/json").path("schema"));
            String[] fields = BODIES.get(operation).split("\\|", -1);
            List<String> required = words(fields[0]);
            List<String> all = new ArrayList<>(required);
            all.addAll(words(fields[1]));
            assertThat(fieldNames(schema.path("properties"))).as(operation).containsExactlyInAnyOrderElementsOf(all);
            assertThat(fieldNames(schema.path("required"))).as(operation + " required")
                    .containsExactlyInAnyOrderElementsOf(required);
            assertThat(schema.path("additionalProperties").asBoolean(true)).as(operation + " unknown fields").isFalse();
            described.add(operation);
        });
        assertThat(described).containsExactlyInAnyOrderElementsOf(BODIES.keySet());

        JsonNode booking = schemas.path("BookingRequest").path("properties");
        assertThat(booking.path("start").path("format").asText()).isEqualTo("date-time");
        assertThat(booking.path("durationMinutes").path("minimum").asInt()).isEqualTo(1);
        assertThat(booking.path("durationMinutes").path("maximum").asInt()).isEqualTo(1440);
        assertThat(fieldNames(booking.path("provider").path("enum"))).containsExactly("stripe", "payrexx");
        JsonNode customer = resolve(schemas, booking.path("customer"));
        assertThat(fieldNames(customer.path("properties")))
                .containsExactlyInAnyOrder("name", "email", "phone", "locale", "timeZone");
        assertThat(fieldNames(customer.path("required"))).containsExactlyInAnyOrder("name", "email");
        assertThat(fieldNames(schemas.path("RefundRequest").path("properties").path("reason").path("enum")))
                .containsExactly("duplicate", "fraudulent", "requested_by_customer");
        assertThat(schemas.path("PaymentIntentRequest").path("properties").path("currency").path("pattern").asText())
                .isEqualTo("^(?:[A-Z]{3})$");
    }

    @Test
    void queryParametersHaveTheirFormatsBoundsAndValues() {
        JsonNode paths = document().path("paths");
        for (String path : List.of("/availability", "/admin/bookings", "/admin/dead-letters", "/calendar/events")) {
            JsonNode get = paths.path(V1 + path).path("get");
            for (String name : List.of("from", "to")) {
                assertThat(parameter(get, "query", name).path("schema").path("format").asText()).as(path + " " + name)
                        .isEqualTo("date-time");
            }
        }
        for (String path : List.of("/availability", "/prices")) {
            JsonNode duration = parameter(paths.path(V1 + path).path("get"), "query", "duration");
            assertThat(duration.path("required").asBoolean()).isTrue();
            assertThat(duration.path("schema").path("type").asText()).isEqualTo("integer");
            assertThat(duration.path("schema").path("minimum").asInt()).isEqualTo(1);
            assertThat(duration.path("schema").path("maximum").asInt()).isEqualTo(1440);
        }
        JsonNode status = parameter(paths.path(V1 + "/admin/bookings").path("get"), "query", "status");
        assertThat(fieldNames(status.path("schema").path("enum")))
                .containsExactlyElementsOf(Arrays.stream(BookingStatus.values()).map(Enum::name).toList());

        // the bounds are the hub's
        // 1440 passes the parameter's bounds: what answers is the price table, which has no tier that long
        var longest = httpGet(V1 + "/prices?duration=1440");
        assertThat(longest.status()).isEqualTo(422);
        assertThat(longest.json().get("type").asText()).isEqualTo("no-matching-price-tier");
        assertThat(httpGet(V1 + "/prices?duration=1441").status()).isEqualTo(400);
        assertThat(httpGet(V1 + "/prices?duration=0").status()).isEqualTo(400);
    }

    @Test
    void theHubsRequestsAndAnswersAgreeWithTheDocument() {
        var validator = OpenApiInteractionValidator.createForInlineApiSpecification(document().toString()).build();
        String body = """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"summary":"Consultation",
                 "customer":{"name":"John Doe","email":"john@example.com","phone":"+41791234567","locale":"de",
                             "timeZone":"Europe/Zurich"}}""";

        var created = httpPost(V1 + "/bookings", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertAgrees(validator, post("/bookings", body), created);
        var read = httpGet(V1 + "/bookings/" + created.json().get("id").asText());
        assertAgrees(validator, SimpleRequest.Builder.get(V1 + "/bookings/" + created.json().get("id").asText())
                .withHeader("X-API-Key", API_KEY).build(), read);

        var conflict = httpPost(V1 + "/bookings", body);
        assertThat(conflict.status()).isEqualTo(409);
        assertAgrees(validator, post("/bookings", body), conflict);

        // a field the document does not name is refused by both
        String unknownField = body.replace("\"summary\"", "\"colour\":\"red\",\"summary\"");
        assertThat(validator.validateRequest(post("/bookings", unknownField)).hasErrors()).isTrue();
        var refused = httpPost(V1 + "/bookings", unknownField);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(validator.validateResponse(V1 + "/bookings", Request.Method.POST, response(refused)).hasErrors())
                .as(refused.body()).isFalse();
    }

    private static Request post(String path, String body) {
        return SimpleRequest.Builder.post(V1 + path).withContentType("application/json")
                .withHeader("X-API-Key", API_KEY).withBody(body).build();
    }

    private static com.atlassian.oai.validator.model.Response response(Response answer) {
        var builder = SimpleResponse.Builder.status(answer.status()).withBody(answer.body());
        answer.raw().headers().map().forEach((name, values) -> builder.withHeader(name, values));
        return builder.build();
    }

    private static void assertAgrees(OpenApiInteractionValidator validator, Request request, Response answer) {
        ValidationReport report = validator.validate(request, response(answer));
        assertThat(report.getMessages()).as(request.getMethod() + " " + request.getPath() + " " + answer.status()
                + ": " + answer.body()).isEmpty();
    }

    private JsonNode document() {
        var response = httpGet(V1 + "/openapi.json", null);
        assertThat(response.status()).isEqualTo(200);
        return response.json();
    }

    /** Each operation as "METHOD /path" (below /api/v1) with its node. */
    private void forEachOperation(BiConsumer<String, JsonNode> check) {
        document().path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(
                operation -> check.accept(operation.getKey().toUpperCase() + " "
                        + path.getKey().substring(V1.length()), operation.getValue())));
    }

    private static JsonNode parameter(JsonNode operation, String in, String name) {
        for (JsonNode parameter : operation.path("parameters")) {
            if (parameter.path("in").asText().equals(in) && parameter.path("name").asText().equals(name)) {
                return parameter;
            }
        }
        throw new AssertionError("no " + in + " parameter " + name + " in " + operation.path("operationId"));
    }

    private static JsonNode resolve(JsonNode schemas, JsonNode schema) {
        String ref = schema.path("$ref").asText();
        assertThat(ref).startsWith("#/components/schemas/");
        return schemas.path(ref.substring("#/components/schemas/".length()));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(element -> names.add(element.asText()));
        } else {
            node.fieldNames().forEachRemaining(names::add);
        }
        return names;
    }

    private static List<String> words(String text) {
        return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }
}
