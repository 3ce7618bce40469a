package io.connectify.hub.web;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.NoSuchElementException;
import java.util.Set;

import io.connectify.hub.ops.CorrelationId;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Every request gets a correlation id: the caller's {@code X-Correlation-Id} when it is a plain token, else a new
 * one. It is answered in the response's {@code X-Correlation-Id} and handed to Camel as the breadcrumb id (the
 * request header Camel reads), so the exchange, its log lines and its provider calls carry it. A caller's own
 * breadcrumbId header is replaced, never trusted.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class CorrelationIdFilter extends HubRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String id = CorrelationId.acceptOrCreate(request.getHeader(CorrelationId.HTTP_HEADER));
        response.setHeader(CorrelationId.HTTP_HEADER, id);
        chain.doFilter(new WithBreadcrumb(request, id), response);
    }

    private static final class WithBreadcrumb extends HttpServletRequestWrapper {
        private final String id;

        WithBreadcrumb(HttpServletRequest request, String id) {
            super(request);
            this.id = id;
        }

        @Override
        public String getHeader(String name) {
            return CorrelationId.CAMEL_HEADER.equalsIgnoreCase(name) ? id : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return CorrelationId.CAMEL_HEADER.equalsIgnoreCase(name)
                    ? Collections.enumeration(Set.of(id)) : super.getHeaders(name);
        }

        /**
         * The request's names (each once, as the container gives them) but the caller's breadcrumb, then Camel's:
         * stepped through as Camel's binding reads them, not copied into a set first (1% of a webhook's request-thread
         * garbage in a JFR profile of the benchmark's fixed-rate run, p8).
         */
        @Override
        public Enumeration<String> getHeaderNames() {
            Enumeration<String> names = super.getHeaderNames();
            return new Enumeration<>() {
                private String next = advance();
                private boolean breadcrumbGiven;

                private String advance() {
                    while (names.hasMoreElements()) {
                        String name = names.nextElement();
                        if (!CorrelationId.CAMEL_HEADER.equalsIgnoreCase(name)) {
                            return name;
                        }
                    }
                    return null;
                }

                @Override
                public boolean hasMoreElements() {
                    return next != null || !breadcrumbGiven;
                }

                @Override
                public String nextElement() {
                    if (next != null) {
                        String name = next;
                        next = advance();
                        return name;
                    }
                    if (breadcrumbGiven) {
                        throw new NoSuchElementException();
                    }
                    breadcrumbGiven = true;
                    return CorrelationId.CAMEL_HEADER;
                }
            };
        }
    }
}
