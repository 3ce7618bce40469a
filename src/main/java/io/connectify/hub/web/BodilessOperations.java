package io.connectify.hub.web;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

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
 * Which REST operations take no body: those whose verb in the REST DSL names no request {@code type}
 * (api-rest.camel.yaml), so a new one is covered by writing it there. Read from Camel's model on first use.
 */
@Component
public class BodilessOperations {

    private record Operation(String method, PathPattern path, boolean bodiless) {
    }

    private final ObjectProvider<CamelContext> camel;
    private volatile List<Operation> operations;

    public BodilessOperations(ObjectProvider<CamelContext> camel) {
        this.camel = camel; // a provider: the filters are made before Camel's routes
    }

    /** Whether the operation the request's method and path reach (by the most specific path that matches) takes no body. */
    public boolean takesNoBody(HttpServletRequest request) {
        List<Operation> known = operations();
        String method = request.getMethod();
        return RequestPaths.of(request).stream()
                .map(PathContainer::parsePath)
                .flatMap(path -> known.stream()
                        .filter(op -> op.method().equals(method) && op.path().matches(path)))
                .min(Comparator.comparing(Operation::path, PathPattern.SPECIFICITY_COMPARATOR))
                .map(Operation::bodiless)
                .orElse(false);
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
