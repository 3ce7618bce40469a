package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * The inbox journal's record format: a journal written by an earlier version is read after an upgrade, so the bytes
 * must stay what they were (the earlier writer is {@link #asWrittenBefore}).
 */
class InboxRecordTest {

    @Test
    void theBytesAreTheFormatTheJournalAlreadyHolds() throws IOException {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("eventKey", "stripe:evt_1");
        headers.put("paidAmount", 12000L);
        headers.put("attempt", 3);
        headers.put("retried", Boolean.TRUE);
        headers.put("customer", "Zoë Müller – 東京 \uD83D\uDE00"); // two- to four-byte UTF-8
        headers.put("n\u0000ame ü", ""); // writeUTF's own encoding of a name: NUL as two bytes
        String body = "{\"name\":\"Zoë – 東京 \uD83D\uDE00\"}" + "x".repeat(5000);

        InboxRecord record = new InboxRecord("jms:queue:stripe-events", headers, body);

        assertThat(record.toBytes()).isEqualTo(asWrittenBefore(record));
        InboxRecord read = read(record.toBytes());
        assertThat(read).isEqualTo(record);
        assertThat(read.headers()).containsExactlyEntriesOf(headers);
    }

    @Test
    void noBodyAndNoHeaders() throws IOException {
        InboxRecord record = new InboxRecord("jms:queue:payrexx-events", Map.of(), null);

        assertThat(record.toBytes()).isEqualTo(asWrittenBefore(record));
        assertThat(read(record.toBytes())).isEqualTo(record);
    }

    @Test
    void aBodyCutShortIsReadAsFarAsItGoes() throws IOException {
        byte[] whole = new InboxRecord("q", Map.of(), "abcdef").toBytes();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 2);

        assertThat(read(cut).body()).isEqualTo("abcd");
    }

    /** What the forwarder sends: the body as the UTF-8 bytes the record holds, never decoded; none stays none. */
    @Test
    void aQueuedEventCarriesItsBodysUtf8Bytes() {
        String body = "{\"name\":\"Zoë – 東京 \uD83D\uDE00\"}";
        InboxRecord record = new InboxRecord("jms:queue:stripe-events", Map.of("eventKey", "stripe:evt_1"), body);

        InboxRecord.Queued queued = InboxRecord.queued(record.toBytes());

        assertThat(queued.queueUri()).isEqualTo("jms:queue:stripe-events");
        assertThat(queued.headers()).containsExactlyEntriesOf(Map.of("eventKey", "stripe:evt_1"));
        assertThat(queued.body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
        assertThat(InboxRecord.queued(new InboxRecord("q", Map.of(), null).toBytes()).body()).isNull();
    }

    @Test
    void aMessagesBodyOfBytesIsRecordedAsItsText() throws IOException {
        DefaultExchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(Exchange.CHARSET_NAME, "ISO-8859-1"); // not how the bytes are read
        Message message = exchange.getMessage();
        message.setHeader("eventKey", "stripe:evt_1");
        message.setHeader("paidAmount", 9000L);
        message.setHeader("receivedAt", java.time.Instant.EPOCH); // no JMS property type: left out
        String text = "{\"name\":\"Zoë – 東京\"}";
        Map<String, Object> kept = new LinkedHashMap<>();
        kept.put("eventKey", "stripe:evt_1");
        kept.put("paidAmount", 9000L);
        InboxRecord expected = new InboxRecord("jms:queue:stripe-events", kept, text);

        message.setBody(text.getBytes(StandardCharsets.UTF_8));
        byte[] fromBytes = InboxRecord.bytesOf("jms:queue:stripe-events", message);
        message.setBody(text);
        byte[] fromText = InboxRecord.bytesOf("jms:queue:stripe-events", message);
        message.setBody(null);

        assertThat(fromBytes).isEqualTo(expected.toBytes()).isEqualTo(asWrittenBefore(expected));
        assertThat(fromText).isEqualTo(fromBytes);
        assertThat(read(fromBytes)).isEqualTo(expected);
        assertThat(read(InboxRecord.bytesOf("q", message)).body()).isNull();
    }

    /** The record read back, its body decoded. */
    private static InboxRecord read(byte[] data) {
        InboxRecord.Queued queued = InboxRecord.queued(data);
        byte[] body = queued.body();
        return new InboxRecord(queued.queueUri(), queued.headers(),
                body == null ? null : new String(body, StandardCharsets.UTF_8));
    }

    /** The record as the inbox wrote it before its records were written into an array of their exact size. */
    private static byte[] asWrittenBefore(InboxRecord record) throws IOException {
        byte[] bodyBytes = record.body() == null ? null : record.body().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(record.queueUri());
            out.writeShort(record.headers().size());
            for (Map.Entry<String, Object> header : record.headers().entrySet()) {
                out.writeUTF(header.getKey());
                Object value = header.getValue();
                if (value instanceof String text) {
                    out.writeByte('S');
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
        }
        return bytes.toByteArray();
    }
}
