package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import io.connectify.hub.payment.IdempotencyKeys;
import org.junit.jupiter.api.Test;

/** What tells two requests under one Idempotency-Key apart: a JSON body by what it says, another by its bytes. */
class RequestFingerprintTest {

    private static final String TARGET = "POST /api/v1/bookings";

    @Test
    void aJsonBodyCountsByWhatItSaysNotItsLayout() {
        String first = "{\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,"
                + "\"customer\":{\"name\":\"Zo\u00eb\",\"email\":\"z@example.com\"},\"tags\":[1,\"a\",null,true]}";
        String relaid = "{\n  \"tags\" : [ 1, \"\\u0061\", null, true ],\n  \"customer\": {\"email\":\"z@example.com\", "
                + "\"name\": \"Zo\\u00eb\"},\n  \"durationMinutes\": 60, \"start\": \"2026-12-01T09:00:00+01:00\"\n}\n";

        assertThat(fingerprint(relaid)).isEqualTo(fingerprint(first));
        assertThat(new String(RequestFingerprint.canonical(bytes(relaid)), StandardCharsets.UTF_8)).isEqualTo(
                "{\"customer\":{\"email\":\"z@example.com\",\"name\":\"Zo\u00eb\"},\"durationMinutes\":60,"
                        + "\"start\":\"2026-12-01T09:00:00+01:00\",\"tags\":[1,\"a\",null,true]}");
    }

    @Test
    void whatItSaysOtherwiseIsAnotherRequest() {
        String first = "{\"amount\":1,\"items\":[\"a\",\"b\"]}";
        assertThat(fingerprint("{\"amount\":1.0,\"items\":[\"a\",\"b\"]}")).as("numbers as written")
                .isNotEqualTo(fingerprint(first));
        assertThat(fingerprint("{\"amount\":1,\"items\":[\"b\",\"a\"]}")).as("an array's order")
                .isNotEqualTo(fingerprint(first));
        assertThat(fingerprint("{\"amount\":\"1\",\"items\":[\"a\",\"b\"]}")).isNotEqualTo(fingerprint(first));
        assertThat(RequestFingerprint.of("POST /api/v1/bookings/asap", bytes(first))).isNotEqualTo(fingerprint(first));
    }

    @Test
    void aBodyAlreadyCanonicalKeepsTheFingerprintItHadWhenBytesAloneCounted() {
        String canonical = "{\"body\":\"Your appointment\",\"to\":\"+41791234567\"}";
        assertThat(fingerprint(canonical)).isEqualTo(IdempotencyKeys.sha256(bytes(TARGET), bytes(canonical)));
    }

    @Test
    void aBodyThatIsNotOneJsonValueCountsByItsBytes() {
        for (String body : new String[] {"", "{\"a\":", "{\"a\":1} {\"b\":2}", "not json", "{\"a\":1}x",
                "[".repeat(5_000)}) {
            assertThat(RequestFingerprint.canonical(bytes(body))).as(body.length() > 20 ? "deep" : body)
                    .isEqualTo(bytes(body));
        }
        byte[] latin1 = "{\"name\":\"Zo\u00eb\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(RequestFingerprint.canonical(latin1)).isEqualTo(latin1);
    }

    @Test
    void aMemberGivenTwiceIsKeptNeverAFailure() {
        String twice = "{\"to\":\"+41791234567\",\"to\":\"+41790000000\",\"body\":\"x\"}";
        String swapped = "{\"body\":\"x\",\"to\":\"+41790000000\",\"to\":\"+41791234567\"}";
        assertThat(fingerprint(twice)).isEqualTo(fingerprint(swapped))
                .isNotEqualTo(fingerprint("{\"to\":\"+41791234567\",\"body\":\"x\"}"));
    }

    /**
     * A string with a lone surrogate (a JSON escape UTF-8 has no bytes for) is another request than one with another
     * lone surrogate or with "?", which UTF-8 would have written for both; a pair (one character beyond the BMP) is
     * that character, however it is written. Before, the three below had one fingerprint.
     */
    @Test
    void aLoneSurrogateIsNotTakenForAQuestionMark() {
        String high = "{\"name\":\"\\ud800\"}";
        String other = "{\"name\":\"\\udbff\"}";
        String question = "{\"name\":\"?\"}";

        assertThat(fingerprint(high)).isNotEqualTo(fingerprint(other)).isNotEqualTo(fingerprint(question));
        assertThat(fingerprint(other)).isNotEqualTo(fingerprint(question));
        assertThat(new String(RequestFingerprint.canonical(bytes(high)), StandardCharsets.UTF_8)).isEqualTo(high);
        assertThat(fingerprint("{\"name\":\"\\ud800x\"}")).as("a high surrogate followed by no low one")
                .isNotEqualTo(fingerprint("{\"name\":\"?x\"}"));
        assertThat(fingerprint("{\"name\":\"\\udc00\\ud800\"}")).as("a low then a high: no pair")
                .isNotEqualTo(fingerprint("{\"name\":\"??\"}"));
        assertThat(fingerprint("{ \"name\": \"\\uD83D\\uDE00\" }")).as("a pair escaped is its character")
                .isEqualTo(fingerprint("{\"name\":\"\uD83D\uDE00\"}"))
                .isEqualTo(IdempotencyKeys.sha256(bytes(TARGET), bytes("{\"name\":\"\uD83D\uDE00\"}")));
    }

    private static String fingerprint(String body) {
        return RequestFingerprint.of(TARGET, bytes(body));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
