package io.connectify.hub.web;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;

import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import io.connectify.hub.resilience.ValidationException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Checks a form-encoded POST to a webhook before Camel's HTTP binding parses it into headers and a map. That
 * binding (Camel 4.17's {@code DefaultHttpBinding.readFormUrlEncodedBody} for a content type that starts with the
 * form's, the Spring Boot starter's {@code populateMultiFormData} for one that merely contains it) throws on a part
 * that is not {@code name=value}, on broken percent-encoding and on an unknown charset, before any route runs, so
 * a malformed body used to be answered 500. It is the sender's error: 400 {@code validation}, and nothing is queued.
 * Only on the paths a webhook route serves ({@link WebhookPaths}): any other is 404, as for a body of any kind. The
 * charset is the request's as Spring Boot sets it: its CharacterEncodingFilter forces UTF-8 on every request
 * ({@code server.servlet.encoding.force-request}), so an unknown charset named in the Content-Type is not seen here
 * and the form is read as UTF-8.
 * The check reads the body as the binding does (parts split on {@code &}, each on its first {@code =}, both
 * URL-decoded in the request's charset), so a body that passes here parses there.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 21)
public class FormBodyFilter extends HubRequestFilter {

    private static final String FORM = "application/x-www-form-urlencoded";

    private final ProblemResponder problems;
    private final WebhookPaths webhooks;

    public FormBodyFilter(ProblemResponder problems, WebhookPaths webhooks) {
        this.problems = problems;
        this.webhooks = webhooks;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String type = request.getContentType();
        // the starter's test, the wider of the binding's two: a content type that does not name the form is not parsed
        // only where a webhook route serves the path (Camel's binding parses the form there): any other is 404
        return !request.getMethod().equals("POST") || type == null || !type.contains(FORM)
                || request.getContentLengthLong() == 0 || !webhooks.served(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Charset charset;
        try {
            charset = BufferedBodyRequest.charsetOf(request);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException unknown) {
            // only with the request encoding no longer forced to UTF-8 (see above)
            problems.write(response, Problem.unsupportedMediaType("Unknown charset in Content-Type",
                    request.getRequestURI()));
            return;
        }
        // bounded: BodySizeLimitFilter has refused a longer body, or holds the container to Content-Length
        byte[] body = request.getInputStream().readAllBytes();
        String malformed = malformedPart(new String(body, charset), charset);
        if (malformed != null) {
            problems.write(response, Problem.of(new ValidationException(malformed), request.getRequestURI()));
            return;
        }
        chain.doFilter(new BufferedBodyRequest(request, body), response);
    }

    /** Why the form cannot be parsed, or null if it can. */
    static String malformedPart(String form, Charset charset) {
        for (String part : form.split("&")) {
            String[] pair = part.split("=", 2);
            if (pair.length != 2) {
                return "The form body has a part that is not name=value";
            }
            try {
                URLDecoder.decode(pair[0], charset);
                URLDecoder.decode(pair[1], charset);
            } catch (IllegalArgumentException badEscape) {
                return "The form body has a broken percent-encoding";
            }
        }
        return null;
    }
}
