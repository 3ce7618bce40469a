package io.connectify.hub.web;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The REST operations as the REST DSL declares them (api-rest.camel.yaml), read from Camel's model on first use:
 * which take no body (their verb names no request {@code type}) and which methods a path is served with. A new
 * operation written there is covered.
 */
@Component
public class RestOperations {

    /** The order methods are listed in an Allow header. */
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private record Operation(String method, PathPattern path, boolean bodiless) {
    }

    private final ObjectProvider<CamelContext> camel;
    private volatile List<Operation> operations;

    public RestOperations(ObjectProvider<CamelContext> camel) {
        this.camel = camel; // a provider: the filters are made before Camel's routes
    }

    /** Whether the operation the request's method and path reach (the most specific path matching) takes no body. */
    public boolean takesNoBody(HttpServletRequest request) {
        String method = request.getMethod();
        return matching(request).stream()
                .filter(op -> op.method().equals(method))
                .min(Comparator.comparing(Operation::path, PathPattern.SPECIFICITY_COMPARATOR))
                .map(Operation::bodiless)
                .orElse(false);
    }

    /**
     * The methods the request's path is served with, in the order of {@link #METHODS}: a GET's path takes HEAD too,
     * and every served path OPTIONS; none for a path no operation serves.
     */
    public Set<String> allowed(HttpServletRequest request) {
        Set<String> declared = new LinkedHashSet<>();
        matching(request).forEach(op -> declared.add(op.method()));
        if (declared.isEmpty()) {
            return Set.of();
        }
        if (declared.contains("GET")) {
            declared.add("HEAD");
        }
        declared.add("OPTIONS");
        Set<String> ordered = new LinkedHashSet<>();
        METHODS.stream().filter(declared::contains).forEach(ordered::add);
        return ordered;
    }

    private List<Operation> matching(HttpServletRequest request) {
        List<Operation> known = operations();
        return RequestPaths.of(request).stream()
                .map(PathContainer::parsePath)
                .flatMap(path -> known.stream().filter(op -> op.path().matches(path)))
                .toList();
    }

    private List<Operation> operations() {
        List<Operation> read = operations;
        if (read == null) {
            read = read();
            if (!read.isEmpty()) { // empty: Camel has not read the routes yet, ask again next time
                operations = read;
            }
        }
        return read;
    }

    private List<Operation> read() {
        CamelContext context = camel.getIfAvailable();
        Model model = context == null ? null : context.getCamelContextExtension().getContextPlugin(Model.class);
        if (model == null) {
            return List.of();
        }
        List<Operation> read = new ArrayList<>();
        for (RestDefinition rest : model.getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                String path = join(rest.getPath(), verb.getPath());
                read.add(new Operation(verb.asVerb().toUpperCase(Locale.ROOT),
                        PathPatternParser.defaultInstance.parse(path), verb.getType() == null));
            }
        }
        return List.copyOf(read);
    }

    private static String join(String base, String path) {
        String left = base == null ? "" : base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        String right = path == null ? "" : path.startsWith("/") ? path : "/" + path;
        return left + right;
    }
}
