package io.connectify.hub.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import io.connectify.hub.web.BodySizeLimitFilter;
import org.apache.camel.Message;
import org.apache.camel.StreamCache;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;

/**
 * A webhook request's body as its bytes, read once into an array of their exact size, which the signature check,
 * the event's fields and the inbox record then all read (platform-http hands the body over as a cache of the
 * request's bytes when the route sets {@code useStreaming: true}, as the Stripe webhook route does; the array is the
 * one {@link BodySizeLimitFilter} read the request into, when it kept it). Before, the body was made a String here,
 * and the signature check and the inbox record each encoded it to bytes again, and the cache was read out through a
 * copy: five copies of a 3.8 KB Stripe event more than this (bench/RESULTS.md).
 */
public final class RawBody {

    private RawBody() {
    }

    /**
     * The body's bytes (RFC 8259: JSON is UTF-8; the signature is over these bytes), or null without a body. The
     * message's body becomes that array, so it can be read again; a text body is taken as its UTF-8 bytes.
     */
    public static byte[] bytes(Message message) {
        Object body = message.getBody();
        byte[] kept = body instanceof StreamCache cache ? keptByTheFilter(message, cache) : null; // asked once
        byte[] bytes;
        if (body == null || body instanceof byte[]) {
            return (byte[]) body;
        } else if (body instanceof String text) {
            bytes = text.getBytes(StandardCharsets.UTF_8);
        } else if (kept != null) {
            bytes = kept;
        } else if (body instanceof InputStream in) {
            try {
                bytes = read(in);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read the request body", e);
            }
        } else {
            String text = message.getBody(String.class);
            bytes = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
        }
        message.setBody(bytes);
        return bytes;
    }

    /**
     * The array {@link BodySizeLimitFilter} read the body into as Camel copied it into its cache (the same bytes):
     * taken as it is, where reading the cache would copy them once more; null when there is none of its length.
     */
    private static byte[] keptByTheFilter(Message message, StreamCache cache) {
        if (message instanceof PlatformHttpMessage http && http.getRequest() != null
                && http.getRequest().getAttribute(BodySizeLimitFilter.BODY_BYTES) instanceof byte[] kept
                && kept.length == cache.length()) {
            return kept;
        }
        return null;
    }

    /**
     * The stream's bytes; a cache's (which knows its length) straight into an array of that size, where
     * {@link InputStream#readAllBytes} reads into buffers and copies them into one more of the right size.
     */
    private static byte[] read(InputStream in) throws IOException {
        // bounded: BodySizeLimitFilter refused anything larger before the route ran
        long length = in instanceof StreamCache cache ? cache.length() : -1;
        if (length < 0 || length > Integer.MAX_VALUE) {
            return in.readAllBytes();
        }
        byte[] bytes = new byte[(int) length];
        int read = in.readNBytes(bytes, 0, bytes.length);
        if (read < bytes.length || in.read() >= 0) { // not the length it said: read it the general way
            ((StreamCache) in).reset();
            return in.readAllBytes();
        }
        return bytes;
    }

    /**
     * A body {@link #bytes} left as bytes, as the text it is (UTF-8), for a queue: a JMS message of text, as webhook
     * events always were, not of bytes; any other body as it is. Also a queued message's body as the dead-letter store
     * keeps it: a BytesMessage's bytes (the webhook inbox forwards events so) read as UTF-8, not by the platform's
     * charset. The message's body becomes that text; returned as text.
     */
    public static String asText(Message message) {
        if (message.getBody() instanceof byte[] bytes) {
            message.setBody(new String(bytes, StandardCharsets.UTF_8));
        }
        return message.getBody(String.class);
    }
}
