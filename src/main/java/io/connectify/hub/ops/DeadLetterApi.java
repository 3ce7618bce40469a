package io.connectify.hub.ops;

import java.util.List;
import java.util.Map;

import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.ops.DeadLetterStore.DeadLetter;
import io.connectify.hub.ops.DeadLetterStore.Status;
import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.web.ApiReply;
import io.connectify.hub.web.QueryParams;
import jakarta.jms.JMSException;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * GET/POST/DELETE /api/v1/admin/dead-letters[/{id}[/replay]], and GET /api/v1/admin/broker-dead-letters[/replay]
 * for what the broker itself dead-lettered (admin key).
 */
@Component("deadLetterApi")
public class DeadLetterApi {

    private static final int LIST_LIMIT = 500;

    private final DeadLetterStore store;
    private final BrokerDeadLetters broker;
    private final DeadLetterDiscards discards;

    public DeadLetterApi(DeadLetterStore store, BrokerDeadLetters broker, DeadLetterDiscards discards) {
        this.store = store;
        this.broker = broker;
        this.discards = discards;
    }

    /**
     * {@code before}: the id of the previous page's last letter, {@code to} its {@code failedAt}: the next page
     * (a (failedAt, id) cursor), so letters failed at that same instant are neither skipped nor listed twice.
     */
    public DeadLetters list(@Header("provider") String provider, @Header("route") String route,
                            @Header("status") String status, @Header("from") String from, @Header("to") String to,
                            @Header("before") String before) {
        TimeRange range = QueryParams.optionalRange(from, to);
        String beforeId = blankToNull(before);
        if (beforeId != null && blankToNull(to) == null) {
            throw new ValidationException("Query parameter 'before' needs 'to': the failedAt of the letter it names");
        }
        // STORED: the letters still waiting (a replay that failed again leaves its letter REPLAYED beside a new one)
        Status waiting = QueryParams.optionalEnum("status", status, Status.class);
        List<DeadLetter> found = store.list(blankToNull(provider), blankToNull(route), waiting, range.start(),
                range.end(), beforeId, LIST_LIMIT + 1);
        return found.size() > LIST_LIMIT ? new DeadLetters(found.subList(0, LIST_LIMIT), true)
                : new DeadLetters(found, false);
    }

    public DeadLetter get(@Header("id") String id) {
        return store.get(id);
    }

    public DeadLetter replay(@Header("id") String id) {
        return store.replay(id);
    }

    /**
     * The booking's mark and the delete commit together (a mark that fails leaves the letter, so the DELETE can be
     * retried); the WARN and the audit row follow the commit.
     */
    public ApiReply delete(@Header("id") String id, @Header("force") String force, Exchange exchange) {
        boolean forced = QueryParams.optionalBoolean("force", force);
        discards.discarded(store.delete(id, letter -> discards.settle(letter, forced)), CorrelationId.of(exchange));
        return ApiReply.noContent();
    }

    public BrokerQueues brokerWaiting() throws JMSException {
        return new BrokerQueues(broker.waiting());
    }

    public BrokerReplay brokerReplay() throws JMSException {
        return new BrokerReplay(broker.replay());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /**
     * {@code truncated}: more match than a list holds (newest first, by id at one instant); the rest follow the last
     * one: ask again with {@code to} at its {@code failedAt} and {@code before} at its {@code id}.
     */
    public record DeadLetters(List<DeadLetter> deadLetters, boolean truncated) {
    }

    /** Messages of each of the hub's queues waiting on the broker's dead-letter queue. */
    public record BrokerQueues(Map<String, Integer> queues) {
    }

    /** Messages moved back from the broker's dead-letter address, by source queue. */
    public record BrokerReplay(Map<String, Integer> replayed) {
    }
}
