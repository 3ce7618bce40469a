package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.resilience.ProblemResponder;
import jakarta.servlet.ServletRequest;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** What a route behind the filter reads of a body, by how the body arrived. */
class BodySizeLimitFilterTest {

    private static final String EVENT = "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\"}";

    /** The API's limit 64 bytes, the webhooks' 128 (application.yaml: 64 KB and 512 KB). */
    private final BodySizeLimitFilter filter = new BodySizeLimitFilter(64, 128,
            new ProblemResponder(new ObjectMapper()));

    @Test
    void aBodyWithContentLengthIsCopiedWholeByTransferTo() throws Exception {
        MockHttpServletRequest request = post(EVENT); // with Content-Length

        ServletRequest passed = pass(request);

        assertThat(transferred(passed)).isEqualTo(EVENT);
    }

    /** The array transferTo copied Camel the body from, kept for a route that reads the body's bytes (RawBody). */
    @Test
    void theBodysBytesAsTransferToReadThemAreKeptOnTheRequest() throws Exception {
        ServletRequest passed = pass(post(EVENT));
        assertThat(passed.getAttribute(BodySizeLimitFilter.BODY_BYTES)).as("nothing before it is read").isNull();

        assertThat(transferred(passed)).isEqualTo(EVENT);

        assertThat(passed.getAttribute(BodySizeLimitFilter.BODY_BYTES))
                .isEqualTo(EVENT.getBytes(StandardCharsets.UTF_8));
        MockHttpServletRequest chunked = post(EVENT);
        chunked.addHeader("Transfer-Encoding", "chunked");
        ServletRequest buffered = pass(new ChunkedRequest(chunked));
        transferred(buffered);
        assertThat(buffered.getAttribute(BodySizeLimitFilter.BODY_BYTES)).as("a chunked body's").isNull();
    }

    @Test
    void aChunkedBodyWithinTheLimitReachesTheRouteWhole() throws Exception {
        MockHttpServletRequest request = post(EVENT);
        request.addHeader("Transfer-Encoding", "chunked");
        ChunkedRequest chunked = new ChunkedRequest(request);

        ServletRequest passed = pass(chunked);

        assertThat(passed.getContentLength()).isEqualTo(EVENT.length());
        assertThat(transferred(passed)).isEqualTo(EVENT);
    }

    @Test
    void aChunkedBodyOverTheLimitIs413AndReachesNoRoute() throws Exception {
        MockHttpServletRequest request = post("x".repeat(129));
        request.addHeader("Transfer-Encoding", "chunked");
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(new ChunkedRequest(request), response, chain);

        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getContentAsString()).contains("payload-too-large");
        assertThat(chain.getRequest()).isNull();
    }

    /**
     * A webhook is held to the webhooks' limit (a Stripe dispute's event carries its evidence), by Content-Length and
     * chunked; the API keeps its own, also for a path that looks like a webhook's only as sent.
     */
    @Test
    void aWebhookIsHeldToTheWebhooksLimitAndTheApiToItsOwn() throws Exception {
        String withinTheWebhooks = "x".repeat(128);
        assertThat(transferred(pass(post(withinTheWebhooks)))).isEqualTo(withinTheWebhooks);
        MockHttpServletRequest chunked = post(withinTheWebhooks);
        chunked.addHeader("Transfer-Encoding", "chunked");
        assertThat(transferred(pass(new ChunkedRequest(chunked)))).isEqualTo(withinTheWebhooks);

        assertThat(refused(post("x".repeat(129))).getContentAsString()).contains("Request body exceeds 128 bytes");
        MockHttpServletRequest chunkedOver = post("x".repeat(129));
        chunkedOver.addHeader("Transfer-Encoding", "chunked");
        assertThat(refused(new ChunkedRequest(chunkedOver)).getStatus()).isEqualTo(413);

        MockHttpServletRequest api = post("x".repeat(65));
        api.setRequestURI("/api/v1/bookings");
        assertThat(refused(api).getContentAsString()).contains("Request body exceeds 64 bytes");
        // the container resolves the dots: the request goes to the bookings API, so it is held to the API's limit
        MockHttpServletRequest dotted = post("x".repeat(65));
        dotted.setRequestURI("/webhooks/../api/v1/bookings");
        dotted.setServletPath("/api/v1/bookings");
        assertThat(refused(dotted).getContentAsString()).contains("Request body exceeds 64 bytes");
    }

    @Test
    void aRequestWithoutLengthOrChunksPassesUnread() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/actuator/health/liveness");

        assertThat(pass(new ChunkedRequest(request))).isInstanceOf(ChunkedRequest.class);
    }

    @Test
    void anHttp2BodyWithoutLengthIsStillHeldToTheLimit() throws Exception {
        MockHttpServletRequest request = post("x".repeat(129));
        request.setProtocol("HTTP/2.0");
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(new ChunkedRequest(request), response, chain);

        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(chain.getRequest()).isNull();
    }

    @Test
    void readingAtMostGrowsTheBufferUpToTheLimit() throws IOException {
        byte[] body = "y".repeat(5000).getBytes(StandardCharsets.UTF_8);

        assertThat(BodySizeLimitFilter.readAtMost(new ByteArrayInputStream(body), 6000)).isEqualTo(body);
        assertThat(BodySizeLimitFilter.readAtMost(new ByteArrayInputStream(body), 3000)).hasSize(3000);
        assertThat(BodySizeLimitFilter.readAtMost(new ByteArrayInputStream(new byte[0]), 3000)).isEmpty();
    }

    private static MockHttpServletRequest post(String body) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/webhooks/stripe");
        request.setContent(body.getBytes(StandardCharsets.UTF_8));
        return request;
    }

    private MockHttpServletResponse refused(jakarta.servlet.http.HttpServletRequest request) throws Exception {
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, chain);
        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getContentAsString()).contains("payload-too-large");
        assertThat(chain.getRequest()).as("reached no route").isNull();
        return response;
    }

    private ServletRequest pass(jakarta.servlet.http.HttpServletRequest request) throws Exception {
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, chain);
        assertThat(response.getStatus()).isEqualTo(200);
        return chain.getRequest();
    }

    private static String transferred(ServletRequest request) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = request.getInputStream()) {
            in.transferTo(out);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A request as the container presents a chunked one: no Content-Length. */
    private static final class ChunkedRequest extends jakarta.servlet.http.HttpServletRequestWrapper {
        ChunkedRequest(jakarta.servlet.http.HttpServletRequest request) {
            super(request);
        }

        @Override
        public long getContentLengthLong() {
            return -1;
        }

        @Override
        public int getContentLength() {
            return -1;
        }
    }
}
