package io.connectify.hub.web;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.component.platform.http.springboot.CamelRequestHandlerMapping;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * Whether a route serves a request's path and method, asked by the filters that refuse a request before any route
 * runs (415 for a body that is not JSON, 406 for an Accept that takes none): an unknown path is 404 and a known path's
 * unknown method 405 whatever the request's media types, as the container answers them. Asked only on the way to a
 * refusal, so an accepted request pays nothing.
 */
@Component
public class ApiRoutes {

    private final ObjectProvider<CamelRequestHandlerMapping> routes;

    public ApiRoutes(ObjectProvider<CamelRequestHandlerMapping> routes) {
        this.routes = routes; // a provider: the filters are made before Camel's request mapping
    }

    public boolean serve(HttpServletRequest request) {
        CamelRequestHandlerMapping mapping = routes.getIfAvailable();
        if (mapping == null) {
            return true; // no way to tell: keep the refusal
        }
        // the mapping matches the parsed path the DispatcherServlet caches; a filter runs before it does
        boolean parsedHere = !ServletRequestPathUtils.hasParsedRequestPath(request);
        if (parsedHere) {
            ServletRequestPathUtils.parseAndCache(request);
        }
        try {
            return mapping.getHandler(request) != null;
        } catch (HttpRequestMethodNotSupportedException knownPathOtherMethod) {
            return false;
        } catch (Exception lookupFailed) {
            return true; // no way to tell: keep the refusal
        } finally {
            if (parsedHere) {
                ServletRequestPathUtils.clearParsedRequestPath(request);
            }
        }
    }
}
