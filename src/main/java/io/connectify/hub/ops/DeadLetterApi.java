package io.connectify.hub.ops;

import java.time.Instant;
import java.util.List;

import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.ops.DeadLetterStore.DeadLetter;
import io.connectify.hub.web.ApiReply;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** GET/POST/DELETE /api/v1/admin/dead-letters[/{id}[/replay]] (admin key). */
@Component("deadLetterApi")
public class DeadLetterApi {

    private final DeadLetterStore store;

    public DeadLetterApi(DeadLetterStore store) {
        this.store = store;
    }

    public DeadLetters list(@Header("provider") String provider, @Header("route") String route,
                            @Header("from") String from, @Header("to") String to) {
        Instant fromInstant = from == null ? Instant.EPOCH : Rfc3339.parse("from", from).toInstant();
        Instant toInstant = to == null ? Instant.parse("9999-12-31T00:00:00Z") : Rfc3339.parse("to", to).toInstant();
        return new DeadLetters(store.list(blankToNull(provider), blankToNull(route), fromInstant, toInstant, 500));
    }

    public DeadLetter get(@Header("id") String id) {
        return store.get(id);
    }

    public DeadLetter replay(@Header("id") String id) {
        return store.replay(id);
    }

    public ApiReply delete(@Header("id") String id) {
        store.delete(id);
        return ApiReply.noContent();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    public record DeadLetters(List<DeadLetter> deadLetters) {
    }
}
