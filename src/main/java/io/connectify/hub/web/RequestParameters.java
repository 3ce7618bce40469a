package io.connectify.hub.web;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.security.ApiKeyFilter;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.ParamDefinition;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.RestParamType;
import org.apache.camel.model.rest.VerbDefinition;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Each query and header parameter a REST operation declares (routes/api-rest.camel.yaml), read only from where it
 * is declared. Camel's binding puts a request's HTTP headers and its query parameters into one case-insensitive map
 * of headers, so a request's own {@code From:} header (RFC 9110's e-mail address of the user) was read as
 * {@code ?from}, and {@code ?Idempotency-Key=} reached the Stripe call as if it were the header, past the hub's
 * replay of it (IdempotencyKeyFilter reads the header). The caller's {@code X-API-Key}, of which the Stripe keys of
 * its Idempotency-Keys are made, is read from the header by the same rule. Parameters an operation does not declare
 * are left as Camel bound them; a webhook's authentication headers ({@link #WEBHOOK_HEADERS}) are read from the
 * headers alone. A declared query parameter given twice, or holding a control character (U+0000 to
 * U+001F, U+007F to U+009F: {@code ?provider=%00}), is 400 {@code validation}.
 */
@Component("requestParameters")
public class RequestParameters {

    /**
     * The headers the webhook routes authenticate and read their event by: Stripe's signature, Twilio's, Google's
     * channel token, id and resource. Camel's binding also made them of a query parameter of the same name, or
     * joined the two: {@code ?Stripe-Signature=...} with no header was verified and queued.
     */
    static final List<String> WEBHOOK_HEADERS = List.of("Stripe-Signature", "X-Twilio-Signature",
            "X-Goog-Channel-Token", "X-Goog-Channel-ID", "X-Goog-Resource-ID", "X-Goog-Resource-State");

    private final CamelContext camel;
    /**
     * By method and path template of the REST operation (its route's id is not the operation's: Camel inlines the
     * direct: route it hands over to, whose id it takes), as Spring matched the request; read from the model once.
     */
    private volatile Map<String, Declared> byOperation;

    public RequestParameters(CamelContext camel) {
        this.camel = camel;
    }

    public void bind(Exchange exchange) {
        if (!(exchange.getIn() instanceof PlatformHttpMessage http) || http.getRequest() == null) {
            return;
        }
        HttpServletRequest request = http.getRequest();
        // a HEAD is answered by the GET's route (Spring maps one onto the other)
        String method = "HEAD".equalsIgnoreCase(request.getMethod()) ? "GET" : request.getMethod();
        Declared declared = declarations().get(operation(method,
                String.valueOf(request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE))));
        if (declared == null) {
            // a webhook, whose form fields are its parameters; its authentication and event headers from the HTTP
            // headers alone, never from a query parameter or form field of their name (one in a URL proxies log)
            fromHeadersOnly(exchange, request, WEBHOOK_HEADERS);
            return;
        }
        Map<String, List<String>> query = query(request.getQueryString());
        for (String name : declared.query()) {
            exchange.getIn().removeHeader(name);
            List<String> values = query.getOrDefault(name, List.of());
            if (values.size() > 1) {
                throw new ValidationException("Query parameter '" + name + "' is given more than once");
            }
            if (!values.isEmpty()) {
                if (values.get(0).chars().anyMatch(Character::isISOControl)) {
                    // as in a body (JsonBodies): PostgreSQL's text refuses NUL, a 500 where the value reached a query
                    throw new ValidationException("Query parameter '" + name + "' may not hold control characters");
                }
                exchange.getIn().setHeader(name, values.get(0));
            }
        }
        fromHeadersOnly(exchange, request, declared.headers());
    }

    private static void fromHeadersOnly(Exchange exchange, HttpServletRequest request, Iterable<String> names) {
        for (String name : names) {
            exchange.getIn().removeHeader(name);
            String value = request.getHeader(name);
            if (value != null) {
                exchange.getIn().setHeader(name, value);
            }
        }
    }

    /**
     * As the servlet container decodes them ('+' a space, a pair that is not validly percent-encoded dropped), by
     * name in any case, as Camel's headers matched them.
     */
    static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> params = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            } catch (IllegalArgumentException malformed) {
                // dropped, as Tomcat drops it: a declared parameter in it is then missing, an undeclared one ignored
            }
        }
        return params;
    }

    private Map<String, Declared> declarations() {
        Map<String, Declared> known = byOperation;
        if (known == null) {
            known = new HashMap<>();
            for (RestDefinition rest : camel.getCamelContextExtension().getContextPlugin(Model.class)
                    .getRestDefinitions()) {
                String base = rest.getPath() == null ? "" : rest.getPath().replaceAll("/+$", "");
                for (VerbDefinition verb : rest.getVerbs()) {
                    String path = verb.getPath() == null ? "" : verb.getPath();
                    known.put(operation(verb.asVerb(), base + (path.startsWith("/") ? path : "/" + path)),
                            Declared.of(verb.getParams()));
                }
            }
            byOperation = known;
        }
        return known;
    }

    private static String operation(String method, String pathTemplate) {
        return method.toUpperCase(java.util.Locale.ROOT) + " " + pathTemplate;
    }

    private record Declared(Set<String> query, Set<String> headers) {

        static Declared of(List<ParamDefinition> params) {
            Set<String> query = new TreeSet<>();
            Set<String> headers = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            // the caller's key, as ApiKeyFilter let it in (a security definition, not a param): the Stripe keys of
            // a caller's Idempotency-Key are made with it (IdempotencyKeys)
            headers.add(ApiKeyFilter.HEADER);
            for (ParamDefinition param : params == null ? List.<ParamDefinition>of() : params) {
                if (param.getType() == RestParamType.query) {
                    query.add(param.getName());
                } else if (param.getType() == RestParamType.header) {
                    headers.add(param.getName());
                }
            }
            return new Declared(query, headers);
        }
    }
}
