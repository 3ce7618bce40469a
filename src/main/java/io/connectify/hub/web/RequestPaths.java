package io.connectify.hub.web;

import java.util.LinkedHashSet;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.util.UrlPathHelper;

/**
 * The ways one request's path is read: as sent ({@code getRequestURI}: not decoded, {@code ;parameters} kept), as
 * the container normalised it (the servlet path: decoded, {@code ;parameters}, {@code .} and {@code ..} resolved),
 * and as Spring decodes it. The routes match a decoded path, so a filter that guards a path prefix must look at all
 * of them: {@code /api/%761/admin/...} or {@code /api/v1/admin;x/...} reached the admin routes past a check of the
 * path as sent.
 */
public final class RequestPaths {

    private RequestPaths() {
    }

    public static Set<String> of(HttpServletRequest request) {
        String sent = request.getRequestURI();
        if (plain(sent)) {
            return Set.of(sent); // nothing to decode or resolve: every reading is the path as sent (every webhook's)
        }
        Set<String> paths = new LinkedHashSet<>();
        paths.add(sent);
        String pathInfo = request.getPathInfo();
        paths.add(request.getServletPath() + (pathInfo == null ? "" : pathInfo));
        paths.add(UrlPathHelper.defaultInstance.getPathWithinApplication(request));
        return paths;
    }

    private static boolean plain(String path) {
        return path.indexOf('%') < 0 && path.indexOf(';') < 0 && path.indexOf('\\') < 0 && !path.contains("//")
                && !path.contains("/.");
    }

    /** Whether any reading of the request's path is {@code prefix} or under it ({@code prefix} ends with '/'). */
    public static boolean under(HttpServletRequest request, String prefix) {
        // a loop, no stream or substring: every filter asks this of every request (2% of a webhook's request-thread
        // garbage as a stream in a JFR profile of the benchmark's fixed-rate run, p8); a plain path is its only reading
        String sent = request.getRequestURI();
        if (plain(sent)) {
            return isOrUnder(sent, prefix);
        }
        for (String path : of(request)) {
            if (isOrUnder(path, prefix)) {
                return true;
            }
        }
        return false;
    }

    /** {@code path} is {@code prefix} (which ends with '/') without its slash, or starts with it. */
    private static boolean isOrUnder(String path, String prefix) {
        return path.startsWith(prefix) || path.length() == prefix.length() - 1 && prefix.startsWith(path);
    }
}
