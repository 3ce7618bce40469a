package io.connectify.hub.web;

import java.io.IOException;

import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.webhook.WebhookAudit;
import io.connectify.hub.webhook.WebhookMetrics;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Makes a Payrexx webhook URL its route does not serve visible: {@code /webhooks/payrexx/<token>/} (a trailing slash)
 * or {@code .../<token>/x} is 404 before any route runs, and Spring's own 404 lines, which named the whole path and
 * so the token, are off (application.yaml, logging). Such a POST is counted as
 * {@code connectify_webhook_rejected_total{provider="payrexx",reason="bad-path"}}, audited (integration_audit, outcome
 * {@code bad-path}, under the request's correlation id) and logged without its path, under that id (MDC). Before, it
 * was neither audited nor was its line correlated.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 3) // after BodySizeLimitFilter
public class PayrexxWebhookPathFilter extends HubRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(PayrexxWebhookPathFilter.class);

    private final WebhookMetrics metrics;
    private final WebhookPaths webhooks;
    private final WebhookAudit audit;

    public PayrexxWebhookPathFilter(WebhookMetrics metrics, WebhookPaths webhooks, WebhookAudit audit) {
        this.metrics = metrics;
        this.webhooks = webhooks;
        this.audit = audit;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getMethod().equals("POST") || !webhooks.payrexxUnserved(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        metrics.rejected("payrexx", WebhookMetrics.BAD_PATH);
        // the id CorrelationIdFilter gave the request (no exchange runs: the MDC has none yet)
        String correlationId = request.getHeader(CorrelationId.CAMEL_HEADER);
        audit.refused("payrexx", WebhookMetrics.BAD_PATH, correlationId);
        try (var named = CorrelationId.naming(correlationId)) {
            // the path itself holds the token: only its shape is told
            log.warn("Payrexx webhook rejected: POST to a path no route serves ({}), 404; the webhook URL set at "
                    + "Payrexx must be {}<token> exactly", webhooks.payrexxShape(request), webhooks.tokenPrefix());
        }
        chain.doFilter(request, response);
    }
}

