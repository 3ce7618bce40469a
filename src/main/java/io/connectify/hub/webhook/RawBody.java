package io.connectify.hub.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.apache.camel.Message;

/**
 * A webhook request's body, read with less garbage than Camel's general-purpose conversion, which a JFR allocation
 * profile showed among the largest items per signed webhook: the body converted to a String through a reader
 * buffer and a builder sized for large bodies. (platform-http hands the body over as the request's character
 * reader unless the route sets {@code useStreaming: true}, as the Stripe webhook route does: then it is the
 * request's bytes, read here at once.) With {@link
 * io.connectify.hub.ops.CorrelationId#keepOnlyItsHeader}: 196 -> 186 KB allocated per webhook (bench/RESULTS.md);
 * less garbage, fewer young collections to wait behind.
 */
public final class RawBody {

    private RawBody() {
    }

    /**
     * The body as UTF-8 text (RFC 8259: JSON is UTF-8; the signature is over those bytes), or null without a body.
     * The message's body becomes that text, so it can be read again. Also a queued message's body as the dead-letter
     * store keeps it: a BytesMessage's bytes (the webhook inbox forwards events so) read as UTF-8 as well.
     */
    public static String text(Message message) {
        Object body = message.getBody();
        String text;
        if (body == null || body instanceof String) {
            text = (String) body;
        } else if (body instanceof byte[] bytes) {
            text = new String(bytes, StandardCharsets.UTF_8);
        } else if (body instanceof InputStream in) {
            try {
                // bounded: BodySizeLimitFilter refused anything larger before the route ran
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read the request body", e);
            }
        } else {
            text = message.getBody(String.class);
        }
        message.setBody(text);
        return text;
    }
}
