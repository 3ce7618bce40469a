package io.connectify.hub.webhook;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Message;

/**
 * A verified webhook event as the inbox journal stores it: the queue it goes to, the headers it carries there and
 * its body. Only the header types a JMS message property can hold (text, whole numbers, booleans) are kept, as
 * the queue would keep them; the JMS binding still decides which of them travel when the event is forwarded.
 */
record InboxRecord(String queueUri, Map<String, Object> headers, String body) {

    static InboxRecord of(String queueUri, Message message) {
        Map<String, Object> headers = new LinkedHashMap<>();
        message.getHeaders().forEach((name, value) -> {
            if (value instanceof String || value instanceof Long || value instanceof Integer
                    || value instanceof Boolean) {
                headers.put(name, value);
            }
        });
        return new InboxRecord(queueUri, headers, message.getBody(String.class));
    }

    /** The order group the event belongs to (see {@link WebhookHeaders#ORDER_GROUP}), or null. */
    String orderGroup() {
        Object group = headers.get(WebhookHeaders.ORDER_GROUP);
        return group == null ? null : group.toString();
    }

    byte[] toBytes() {
        byte[] bodyBytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + (bodyBytes == null ? 0 : bodyBytes.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(queueUri);
            out.writeShort(headers.size());
            for (Map.Entry<String, Object> header : headers.entrySet()) {
                out.writeUTF(header.getKey());
                Object value = header.getValue();
                if (value instanceof String text) {
                    out.writeByte('S');
                    // not writeUTF, which stops at 64 KB
                    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
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
        return bytes.toByteArray();
    }

    static InboxRecord fromBytes(byte[] data) {
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
            String body = length < 0 ? null : new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return new InboxRecord(queueUri, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException("Unreadable inbox record", e);
        }
    }
}
