package io.connectify.hub.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

import io.connectify.hub.PropertyChecks;
import io.connectify.hub.resilience.PayloadTooLargeException;
import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Refuses request bodies over {@code connectify.http.max-body-bytes} with 413 before any route runs: by
 * Content-Length, and for chunked bodies (no length) by reading at most the limit plus one byte into memory
 * and handing the route that buffer. A request with neither has no body and passes as it is.
 * <p>
 * A webhook ({@code /webhooks/...}, by every reading of its path: one that only looks like a webhook path as sent,
 * {@code /webhooks/../api/v1/bookings}, gets the API's limit) is held to {@code connectify.webhooks.max-body-bytes}
 * instead, still before its signature is checked: Stripe's {@code charge.dispute.*} events carry the dispute's
 * evidence, up to 150,000 characters of text, and one refused with 413 is retried for three days and then given up
 * (a won dispute's {@code charge.dispute.closed} restarts the refund it stopped).
 */
@Component
@Order(BodySizeLimitFilter.ORDER)
public class BodySizeLimitFilter extends HubRequestFilter {

    /** Right after {@link RoutesNotStartedFilter#ORDER} (its 503 first while the hub starts), before any body is read. */
    public static final int ORDER = RoutesNotStartedFilter.ORDER + 1;

    private static final String WEBHOOKS = "/webhooks/";
    /**
     * The request attribute holding a body's bytes once Camel has copied them from the request (transferTo), an
     * array of the body's exact size; absent for a body larger than {@link #WHOLE_UP_TO} or read otherwise.
     */
    public static final String BODY_BYTES = BodySizeLimitFilter.class.getName() + ".bodyBytes";
    /** The largest body read whole into one array by transferTo; a larger one goes through a buffer of this size. */
    static final int WHOLE_UP_TO = 16384;

    private final int maxBytes;
    private final int maxWebhookBytes;
    private final ProblemResponder problems;

    public BodySizeLimitFilter(@Value("${connectify.http.max-body-bytes}") int maxBytes,
                               @Value("${connectify.webhooks.max-body-bytes}") int maxWebhookBytes,
                               ProblemResponder problems) {
        this.maxBytes = maxBytes;
        this.maxWebhookBytes = (int) PropertyChecks.atLeast("connectify.webhooks.max-body-bytes", maxWebhookBytes, 1,
                "the largest webhook body");
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        int limit = limitOf(request);
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            refuse(request, response, limit);
            return;
        }
        if (declared >= 0) {
            // the container reads no more than Content-Length
            chain.doFilter(new DeclaredLengthRequest(request, (int) declared), response);
            return;
        }
        if (hasNoBody(request)) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = readAtMost(request.getInputStream(), limit + 1);
        if (body.length > limit) {
            refuse(request, response, limit);
            return;
        }
        chain.doFilter(new BufferedBodyRequest(request, body), response);
    }

    /** The webhooks' limit for a path that is a webhook's however it is read, else the API's. */
    int limitOf(HttpServletRequest request) {
        return RequestPaths.of(request).stream().allMatch(path -> path.startsWith(WEBHOOKS)) ? maxWebhookBytes
                : maxBytes;
    }

    /**
     * Whether a request has no body: a Content-Length of 0, or in HTTP/1.x neither a length nor chunks (RFC 9112,
     * 6.3: {@code curl -X POST} without {@code -d} sends neither). HTTP/2 frames a body without either.
     */
    static boolean hasNoBody(HttpServletRequest request) {
        long length = request.getContentLengthLong();
        return length == 0 || length < 0 && request.getHeader("Transfer-Encoding") == null
                && request.getProtocol().startsWith("HTTP/1.");
    }

    /**
     * Reads up to {@code limit} bytes into a buffer that starts at 1 KB and doubles: {@code readNBytes(limit)}
     * would allocate 16 KB for every body, where webhooks are a few hundred bytes.
     */
    static byte[] readAtMost(InputStream in, int limit) throws IOException {
        byte[] buffer = new byte[Math.min(limit, 1024)];
        int length = 0;
        while (true) {
            int read = in.read(buffer, length, buffer.length - length);
            if (read < 0) {
                return Arrays.copyOf(buffer, length);
            }
            length += read;
            if (length == limit) {
                return buffer;
            }
            if (length == buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(limit, 2L * buffer.length));
            }
        }
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, int limit) throws IOException {
        problems.write(response, Problem.of(
                new PayloadTooLargeException("Request body exceeds " + limit + " bytes"), request.getRequestURI()));
    }

    /**
     * The container's body stream, but {@code transferTo} (how Camel's platform-http copies a body into the
     * exchange) goes through a buffer of the body's declared size, not the JDK's 16 KB, which was a tenth of
     * what a webhook allocated (bench/RESULTS.md). The stream itself is not read here: the route reads it once,
     * with no copy in between. A body of up to {@link #WHOLE_UP_TO} bytes is read whole into that buffer, and the
     * buffer kept as the request's {@link #BODY_BYTES}: a route that wants the body's bytes takes that array instead
     * of copying them out of Camel's cache once more (webhook/RawBody).
     */
    private static final class DeclaredLengthRequest extends HttpServletRequestWrapper {

        private final int declaredLength;

        DeclaredLengthRequest(HttpServletRequest request, int declaredLength) {
            super(request);
            this.declaredLength = declaredLength;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            ServletInputStream in = super.getInputStream();
            HttpServletRequest request = (HttpServletRequest) getRequest();
            return new ServletInputStream() {
                @Override
                public int read() throws IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return in.read(b, off, len);
                }

                @Override
                public long transferTo(OutputStream out) throws IOException {
                    if (declaredLength > 0 && declaredLength <= WHOLE_UP_TO) {
                        byte[] body = new byte[declaredLength];
                        int read = in.readNBytes(body, 0, body.length);
                        out.write(body, 0, read);
                        if (read < body.length) {
                            return read; // the stream ended early: no whole body to keep
                        }
                        int next = in.read(); // the end: the container ends the stream at Content-Length
                        if (next < 0) {
                            request.setAttribute(BODY_BYTES, body);
                            return read;
                        }
                        out.write(next);
                        return read + 1 + transferRest(out);
                    }
                    return transferRest(out);
                }

                private long transferRest(OutputStream out) throws IOException {
                    byte[] buffer = new byte[Math.max(1, Math.min(declaredLength, WHOLE_UP_TO))];
                    long transferred = 0;
                    int read;
                    while ((read = in.read(buffer, 0, buffer.length)) >= 0) {
                        out.write(buffer, 0, read);
                        transferred += read;
                    }
                    return transferred;
                }

                @Override
                public int available() throws IOException {
                    return in.available();
                }

                @Override
                public boolean isFinished() {
                    return in.isFinished();
                }

                @Override
                public boolean isReady() {
                    return in.isReady();
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    in.setReadListener(listener);
                }

                @Override
                public void close() throws IOException {
                    in.close();
                }
            };
        }
    }
}
