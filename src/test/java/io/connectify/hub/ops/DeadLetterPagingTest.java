package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;

/**
 * GET /admin/dead-letters pages through more letters than one list holds with none skipped or listed twice, those
 * failed at one instant too: the next page follows the last letter by (failedAt, id).
 */
@HubTest
class DeadLetterPagingTest extends HubTestBase {

    private static final String PROVIDER = "paging-test";
    private static final Instant AT = Instant.parse("2026-11-30T10:00:00Z");

    @Test
    void lettersFailedAtTheSameInstantAsAPagesLastOneAreOnTheNextPage() {
        jdbc.sql("DELETE FROM dead_letter WHERE provider = :provider").param("provider", PROVIDER).update();
        Set<String> stored = new HashSet<>();
        for (int i = 0; i < 501; i++) {
            stored.add(letter(AT)); // a burst: more than one list holds, all failed at one instant
        }
        stored.add(letter(AT.minusSeconds(1)));

        JsonNode first = httpGet("/api/v1/admin/dead-letters?provider=" + PROVIDER, ADMIN_KEY).json();
        assertThat(first.get("truncated").asBoolean()).isTrue();
        List<String> listed = new ArrayList<>(ids(first));
        assertThat(listed).hasSize(500);
        JsonNode last = first.get("deadLetters").get(499);
        assertThat(Instant.parse(last.get("failedAt").asText())).isEqualTo(AT);

        JsonNode next = httpGet("/api/v1/admin/dead-letters?provider=" + PROVIDER + "&to="
                + URLEncoder.encode(last.get("failedAt").asText(), StandardCharsets.UTF_8) + "&before="
                + last.get("id").asText(), ADMIN_KEY).json();
        assertThat(next.get("truncated").asBoolean()).isFalse();
        // the 501st of the burst, then the older one: newest first
        assertThat(ids(next)).hasSize(2);
        assertThat(Instant.parse(next.get("deadLetters").get(0).get("failedAt").asText())).isEqualTo(AT);
        assertThat(Instant.parse(next.get("deadLetters").get(1).get("failedAt").asText()))
                .isEqualTo(AT.minusSeconds(1));
        listed.addAll(ids(next));
        assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(stored);
    }

    @Test
    void aPageAfterALetterNeedsItsTime() {
        var response = httpGet("/api/v1/admin/dead-letters?before=" + UUID.randomUUID(), ADMIN_KEY);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
    }

    private String letter(Instant failedAt) {
        String id = UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO dead_letter (id, route_id, source_queue, provider, body, headers, error_type, "
                        + "error_message, attempts, status, failed_at) VALUES (:id, 'stripe-event-dispatch', "
                        + "'stripe.events', :provider, '{}', '{}', 'x', 'x', 2, 'STORED', :at)")
                .param("id", id).param("provider", PROVIDER).param("at", failedAt.atOffset(ZoneOffset.UTC)).update();
        return id;
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("deadLetters").forEach(letter -> ids.add(letter.get("id").asText()));
        return ids;
    }
}
