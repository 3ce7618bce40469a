package io.connectify.hub.web;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
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
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every request gets a correlation id: the caller's {@code X-Correlation-Id} when it is a plain token, else a new
 * one. It is answered in the response's {@code X-Correlation-Id} and handed to Camel as the breadcrumb id (the
 * request header Camel reads), so the exchange, its log lines and its provider calls carry it. A caller's own
 * breadcrumbId header is replaced, never trusted.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class CorrelationIdFilter extends OncePerRequestFilter {

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

        @Override
        public Enumeration<String> getHeaderNames() {
            Set<String> names = new LinkedHashSet<>();
            for (Enumeration<String> e = super.getHeaderNames(); e.hasMoreElements(); ) {
                String name = e.nextElement();
                if (!CorrelationId.CAMEL_HEADER.equalsIgnoreCase(name)) {
                    names.add(name);
                }
            }
            names.add(CorrelationId.CAMEL_HEADER);
            return Collections.enumeration(names);
        }
    }
}
