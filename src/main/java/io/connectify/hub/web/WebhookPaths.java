package io.connectify.hub.web;

import java.util.Arrays;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The webhook paths a route serves (webhook-ingress.camel.yaml: Stripe, Payrexx with its token, Google Calendar;
 * notifications.camel.yaml: Twilio's status callbacks), as any reading of the request's path ({@link RequestPaths}).
 * Any other path under /webhooks/ is 404 from Spring, before any route runs.
 */
final class WebhookPaths {

    /** Payrexx's route, /webhooks/payrexx/{token}: one segment after it, no trailing slash. */
    static final String PAYREXX = "/webhooks/payrexx/";
    private static final Pattern SERVED = Pattern.compile(
            "/webhooks/(stripe|google-calendar|twilio/status|payrexx/[^/]+)");

    private WebhookPaths() {
    }

    /** Whether a webhook route serves the request's path. */
    static boolean served(HttpServletRequest request) {
        return RequestPaths.of(request).stream().anyMatch(path -> SERVED.matcher(path).matches());
    }

    /** Whether the path is Payrexx's, or under it, and its route does not serve it (a trailing slash, a segment more). */
    static boolean payrexxUnserved(HttpServletRequest request) {
        return RequestPaths.under(request, PAYREXX) && !served(request);
    }

    /** What is wrong with such a path, told without any of its segments (the first is the token). */
    static String payrexxShape(HttpServletRequest request) {
        String bare = PAYREXX.substring(0, PAYREXX.length() - 1);
        String rest = RequestPaths.of(request).stream().filter(p -> p.startsWith(bare)).findFirst().orElse(bare)
                .substring(bare.length());
        long segments = Arrays.stream(rest.split("/")).filter(s -> !s.isEmpty()).count();
        if (segments == 0) {
            return "no token";
        }
        return segments + (segments == 1 ? " segment" : " segments") + " after " + PAYREXX
                + (rest.endsWith("/") ? ", a trailing slash" : "");
    }
}
