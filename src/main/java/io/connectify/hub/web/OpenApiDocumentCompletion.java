package io.connectify.hub.web;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectify.hub.payment.IdempotencyKeys;
import io.connectify.hub.resilience.Problem;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.openapi.OpenApiRestApiProcessorFactory;
import org.apache.camel.spi.RestApiProcessorFactory;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.stereotype.Component;

/**
 * Serves GET /api/v1/openapi.json (camel.rest.api-context-path): camel-openapi-java's document of the REST DSL
 * (routes/api-rest.camel.yaml), completed with what the DSL cannot say, and built on the first request instead of
 * at start.
 * <p>
 * camel-openapi-java builds the document (JSON and YAML) when its processor is initialised, with the routes at
 * start, unless camel.rest.use-x-forward-headers is on, which would put the caller's X-Forwarded-* headers into the
 * answer. With the request and response models that took 0.4-0.8 s (seconds in a JVM that has not loaded
 * swagger-core yet); so the processor is initialised on the first request for the document, which waits for it, and
 * every later one is answered from camel-openapi-java's cache, completed once.
 * <p>
 * Completed in the generated JSON, each generally:
 * <ul>
 * <li>every 4xx and 5xx response's body is {@code application/problem+json} (camel-openapi-java gives each response
 * with a model the operation's {@code produces}, and ignores a responseMessage's contentType);</li>
 * <li>query parameters' bounds ({@code duration}: 1..1440 minutes, as AvailabilityApi reads it) and the
 * Idempotency-Key header's pattern: a REST DSL param has a data type, format and allowable values, no bounds or
 * pattern;</li>
 * <li>schema patterns anchored: a Jakarta {@code @Pattern} matches the whole value, an OpenAPI pattern anywhere in
 * it;</li>
 * <li>request bodies (and the objects in them) take no other fields: JsonBodies refuses an unknown one (400);</li>
 * <li>the server: "/", the host the document came from.</li>
 * </ul>
 * The only RestApiProcessorFactory bean, so rest-api endpoints use it (Camel looks one up in the registry first).
 */
@Component
public class OpenApiDocumentCompletion implements RestApiProcessorFactory {

    /** Bounds of integer query parameters, by name: the REST DSL has no place for them. */
    static final Map<String, int[]> QUERY_BOUNDS = Map.of("duration", new int[] {1, 1440});

    private final RestApiProcessorFactory generator = new OpenApiRestApiProcessorFactory();
    private final ObjectMapper json;

    public OpenApiDocumentCompletion(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public Processor createApiProcessor(CamelContext camelContext, String contextPath, RestConfiguration configuration,
                                        Map<String, Object> parameters) throws Exception {
        return new OnFirstRequest(generator.createApiProcessor(camelContext, contextPath, configuration, parameters),
                this::complete);
    }

    /** What completes the generated document. */
    @FunctionalInterface
    interface Completion {
        byte[] complete(byte[] generated) throws IOException;
    }

    /**
     * camel-openapi-java's processor, started (which builds the document) when the first request comes; its
     * answer completed.
     */
    static final class OnFirstRequest extends ServiceSupport implements Processor {

        private final Processor generated;
        private final Completion completion;
        private volatile boolean built;
        private volatile Completed last;

        private record Completed(byte[] generated, byte[] completed) {
        }

        OnFirstRequest(Processor generated, Completion completion) {
            this.generated = generated;
            this.completion = completion;
        }

        @Override
        public void process(Exchange exchange) throws Exception {
            if (!built) {
                synchronized (this) {
                    if (!built) {
                        ServiceHelper.startService(generated);
                        built = true;
                    }
                }
            }
            generated.process(exchange);
            byte[] body = exchange.getMessage().getBody(byte[].class);
            if (body != null && body.length > 0 && body[0] == '{') {
                exchange.getMessage().setBody(completed(body));
            }
        }

        /** The generated document completed once: the same generated bytes are answered with the same completion. */
        private byte[] completed(byte[] body) throws IOException {
            Completed last = this.last;
            if (last == null || !java.util.Arrays.equals(last.generated(), body)) {
                last = new Completed(body, completion.complete(body));
                this.last = last;
            }
            return last.completed();
        }

        @Override
        protected void doStop() {
            ServiceHelper.stopService(generated);
        }
    }

    byte[] complete(byte[] generated) throws IOException {
        ObjectNode document = (ObjectNode) json.readTree(generated);
        Set<String> requestSchemas = new HashSet<>();
        for (JsonNode path : iterable(document.path("paths"))) {
            for (JsonNode operation : iterable(path)) {
                problemResponses(operation.path("responses"));
                for (JsonNode parameter : iterable(operation.path("parameters"))) {
                    bounds((ObjectNode) parameter);
                }
                for (JsonNode media : iterable(operation.path("requestBody").path("content"))) {
                    String ref = media.path("schema").path("$ref").asText(null);
                    if (ref != null) {
                        requestSchemas.add(schemaName(ref));
                    }
                }
            }
        }
        JsonNode schemas = document.path("components").path("schemas");
        for (JsonNode schema : iterable(schemas)) {
            for (JsonNode property : iterable(schema.path("properties"))) {
                anchorPattern(property);
            }
        }
        closed(schemas, requestSchemas);
        // relative: the host the document was fetched from (camel-openapi-java names its bind address, 0.0.0.0)
        document.putArray("servers").addObject().put("url", "/");
        return json.writeValueAsBytes(document);
    }

    /** A problem's media type in place of the operation's. */
    private static void problemResponses(JsonNode responses) {
        for (Iterator<Map.Entry<String, JsonNode>> it = responses.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> response = it.next();
            if (!(response.getKey().startsWith("4") || response.getKey().startsWith("5"))
                    || !(response.getValue().path("content") instanceof ObjectNode content)) {
                continue;
            }
            Map<String, JsonNode> media = new LinkedHashMap<>();
            content.fields().forEachRemaining(e -> media.put(e.getKey(), e.getValue()));
            content.removeAll();
            content.set(Problem.MEDIA_TYPE, media.values().iterator().next());
        }
    }

    private static void bounds(ObjectNode parameter) {
        if (!(parameter.path("schema") instanceof ObjectNode schema)) {
            return;
        }
        String name = parameter.path("name").asText();
        if ("query".equals(parameter.path("in").asText()) && QUERY_BOUNDS.containsKey(name)) {
            schema.put("minimum", QUERY_BOUNDS.get(name)[0]);
            schema.put("maximum", QUERY_BOUNDS.get(name)[1]);
        }
        if ("header".equals(parameter.path("in").asText()) && IdempotencyKeyFilter.HEADER.equals(name)) {
            schema.put("pattern", "^" + IdempotencyKeys.CALLER_KEY_PATTERN + "$");
        }
    }

    private static void anchorPattern(JsonNode property) {
        if (property instanceof ObjectNode schema && schema.path("pattern").isTextual()) {
            String pattern = schema.path("pattern").asText();
            if (!pattern.startsWith("^")) {
                schema.put("pattern", "^(?:" + pattern + ")$");
            }
        }
    }

    /** additionalProperties false on the request bodies' schemas and the object schemas they refer to. */
    private static void closed(JsonNode schemas, Set<String> requestSchemas) {
        Deque<String> todo = new ArrayDeque<>(requestSchemas);
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!seen.add(name) || !(schemas.path(name) instanceof ObjectNode schema)
                    || !schema.path("properties").isObject()) {
                continue;
            }
            schema.put("additionalProperties", false);
            for (JsonNode property : iterable(schema.path("properties"))) {
                String ref = property.path("$ref").asText(null);
                if (ref != null) {
                    todo.push(schemaName(ref));
                }
            }
        }
    }

    private static String schemaName(String ref) {
        return ref.substring(ref.lastIndexOf('/') + 1);
    }

    private static Iterable<JsonNode> iterable(JsonNode node) {
        return node::elements;
    }
}
