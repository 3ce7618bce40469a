package io.connectify.hub.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.connectify.hub.payment.IdempotencyKeys;

/**
 * What tells two requests under one Idempotency-Key apart: the method, path and query, and the body. A JSON body
 * counts by what it says, not how it is laid out (a retry library may serialise it again: other spaces, another
 * member order, a trailing newline): its canonical form, members sorted by name, no whitespace, strings as JSON
 * escapes them, numbers as written ({@code 1.0} is not {@code 1}). A body that is not one JSON value counts by its
 * bytes. A body already canonical keeps the fingerprint it had when bytes alone counted; a key the earlier version
 * answered is also matched by its {@link #raw} fingerprint (IdempotencyKeyFilter).
 */
final class RequestFingerprint {

    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final Comparator<Map.Entry<String, String>> MEMBER_ORDER =
            Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue());

    private RequestFingerprint() {
    }

    static String of(String target, byte[] body) {
        return IdempotencyKeys.sha256(target.getBytes(StandardCharsets.UTF_8), canonical(body));
    }

    /** The fingerprint of the body's bytes as sent, as the earlier version kept it. */
    static String raw(String target, byte[] body) {
        return IdempotencyKeys.sha256(target.getBytes(StandardCharsets.UTF_8), body);
    }

    /** The body's canonical JSON in UTF-8; the body itself when it is not one JSON value (or none at all). */
    static byte[] canonical(byte[] body) {
        if (body.length == 0) {
            return body;
        }
        try (JsonParser parser = JSON.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return body;
            }
            String value = value(parser);
            return parser.nextToken() == null ? value.getBytes(StandardCharsets.UTF_8) : body;
        } catch (IOException | RuntimeException notJson) {
            // malformed, too deep, or not UTF-8: compared as bytes, as before (the web layer refuses it anyway)
            return body;
        }
    }

    /** The value at the parser's current token, canonical; duplicate members are kept, in a fixed order. */
    private static String value(JsonParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case START_OBJECT -> {
                List<Map.Entry<String, String>> members = new ArrayList<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    members.add(Map.entry(name, value(parser)));
                }
                members.sort(MEMBER_ORDER);
                StringBuilder out = new StringBuilder("{");
                for (Map.Entry<String, String> member : members) {
                    out.append(out.length() > 1 ? "," : "").append(quoted(member.getKey())).append(':')
                            .append(member.getValue());
                }
                yield out.append('}').toString();
            }
            case START_ARRAY -> {
                StringBuilder out = new StringBuilder("[");
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    out.append(out.length() > 1 ? "," : "").append(value(parser));
                }
                yield out.append(']').toString();
            }
            case VALUE_STRING -> quoted(parser.getText());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getText(); // as written
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NULL -> "null";
            default -> throw new IOException("Unexpected JSON token " + parser.currentToken());
        };
    }

    private static String quoted(String text) {
        return '"' + loneSurrogatesEscaped(new String(JsonStringEncoder.getInstance().quoteAsString(text))) + '"';
    }

    /**
     * {@code escaped} with each surrogate that is not half of a pair written as its JSON escape (U+D800 as backslash,
     * "ud800"): UTF-8 has no bytes for one and would write {@code ?}, so that strings of U+D800, of U+DBFF and of "?"
     * counted as one request. A pair (a character beyond the BMP) stays as it is: a canonical body keeps the
     * fingerprint of its bytes.
     */
    private static String loneSurrogatesEscaped(String escaped) {
        StringBuilder out = null;
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < escaped.length()
                    && Character.isLowSurrogate(escaped.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(escaped.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(escaped.length() + 8).append(escaped, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? escaped : out.toString();
    }
}
