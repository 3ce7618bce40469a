package io.connectify.hub.webhook;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Message;

/**
 * A verified webhook event as the inbox journal stores it: the queue it goes to, the headers it carries there and
 * its body. Only the header types a JMS message property can hold (text, whole numbers, booleans) are kept, as
 * the queue would keep them; the JMS binding still decides which of them travel when the event is forwarded.
 */
record InboxRecord(String queueUri, Map<String, Object> headers, String body) {

    /**
     * The bytes of the record of the message's event, as {@link #toBytes} writes them for its text body: a body of
     * bytes (a Stripe event's as {@link RawBody} read it, UTF-8) is written as it is, not made a text and encoded
     * back (two copies of the body).
     */
    static byte[] bytesOf(String queueUri, Message message) {
        byte[] utf8;
        if (message.getBody() instanceof byte[] bytes) {
            utf8 = bytes;
        } else {
            String text = message.getBody(String.class);
            utf8 = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
        }
        return write(queueUri, headersOf(message), utf8);
    }

    private static Map<String, Object> headersOf(Message message) {
        Map<String, Object> headers = new LinkedHashMap<>();
        message.getHeaders().forEach((name, value) -> {
            if (value instanceof String || value instanceof Long || value instanceof Integer
                    || value instanceof Boolean) {
                headers.put(name, value);
            }
        });
        return headers;
    }

    /**
     * The record's bytes: the queue and each header's name as {@link DataOutputStream#writeUTF} writes them, a text
     * header's value and the body as a length and their UTF-8 bytes (not writeUTF, which stops at 64 KB). Written into
     * an array of the record's exact size: through a byte stream that grows, a Stripe event of 3-4 KB cost a buffer
     * twice its size and a copy of the whole (the stream's first guess left no room for the headers), some 12 KB of a
     * webhook's garbage (bench/RESULTS.md).
     */
    byte[] toBytes() {
        return write(queueUri, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] write(String queueUri, Map<String, Object> headers, byte[] bodyBytes) {
        List<byte[]> texts = new ArrayList<>(headers.size());
        int size = modifiedUtf8Length(queueUri) + Short.BYTES + Integer.BYTES
                + (bodyBytes == null ? 0 : bodyBytes.length);
        for (Map.Entry<String, Object> header : headers.entrySet()) {
            size += modifiedUtf8Length(header.getKey()) + 1;
            Object value = header.getValue();
            if (value instanceof String text) {
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                texts.add(utf8);
                size += Integer.BYTES + utf8.length;
            } else {
                size += value instanceof Long ? Long.BYTES : value instanceof Integer ? Integer.BYTES : 1;
            }
        }
        ExactBytes bytes = new ExactBytes(size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(queueUri);
            out.writeShort(headers.size());
            int text = 0;
            for (Map.Entry<String, Object> header : headers.entrySet()) {
                out.writeUTF(header.getKey());
                Object value = header.getValue();
                if (value instanceof String) {
                    out.writeByte('S');
                    byte[] utf8 = texts.get(text++);
                    out.writeInt(utf8.length);
                    out.write(utf8);
                } else if (value instanceof Long number) {
                    out.writeByte('J');
                    out.writeLong(number);
                } else if (value instanceof Integer number) {
                    out.writeByte('I');
                    out.writeInt(number);
                } else {
                    out.writeByte('Z');
                    out.writeBoolean((Boolean) value);
                }
            }
            out.writeInt(bodyBytes == null ? -1 : bodyBytes.length);
            if (bodyBytes != null) {
                out.write(bodyBytes);
            }
        } catch (IOException impossibleInMemory) {
            throw new UncheckedIOException(impossibleInMemory);
        }
        return bytes.filled();
    }

    /** The bytes {@link DataOutputStream#writeUTF} writes for {@code text}, its two-byte length included. */
    private static int modifiedUtf8Length(String text) {
        int length = Short.BYTES;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            length += c >= 1 && c <= 0x7F ? 1 : c <= 0x7FF ? 2 : 3; // NUL as two bytes, surrogates as three each
        }
        return length;
    }

    /** An output stream into an array of a size known beforehand, handed over without a copy. */
    private static final class ExactBytes extends OutputStream {
        private final byte[] bytes;
        private int count;

        ExactBytes(int size) {
            this.bytes = new byte[size];
        }

        @Override
        public void write(int b) {
            bytes[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, bytes, count, len);
            count += len;
        }

        byte[] filled() {
            if (count != bytes.length) {
                throw new IllegalStateException("inbox record of " + count + " bytes, " + bytes.length + " expected");
            }
            return bytes;
        }
    }

    /**
     * An event as the forwarder sends it: {@code body} the UTF-8 bytes the record holds (null: none), never decoded.
     * Why: sent as text, the broker encoded the event as UTF-16 (twice its bytes, on the wire and in its journal) and
     * the consumer decoded it again; as bytes it goes as a JMS BytesMessage of the bytes the provider sent
     * (bench/RESULTS.md).
     */
    record Queued(String queueUri, Map<String, Object> headers, byte[] body) {

        /** The order group the event belongs to (see {@link WebhookHeaders#ORDER_GROUP}), or null. */
        String orderGroup() {
            Object group = headers.get(WebhookHeaders.ORDER_GROUP);
            return group == null ? null : group.toString();
        }
    }

    /** The record's parts, its body as the bytes written (a record cut short: the bytes there are). */
    static Queued queued(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            String queueUri = in.readUTF();
            int count = in.readShort();
            Map<String, Object> headers = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                char type = (char) in.readByte();
                headers.put(name, switch (type) {
                    case 'S' -> new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
                    case 'J' -> in.readLong();
                    case 'I' -> in.readInt();
                    case 'Z' -> in.readBoolean();
                    default -> throw new IOException("unknown header type " + type);
                });
            }
            int length = in.readInt();
            int left = in.available(); // a ByteArrayInputStream's: exactly what is left
            int from = data.length - left;
            byte[] body = length < 0 ? null : Arrays.copyOfRange(data, from, from + Math.min(length, left));
            return new Queued(queueUri, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException("Unreadable inbox record", e);
        }
    }
}
