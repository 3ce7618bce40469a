package io.connectify.hub.ops;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.InvalidStateException;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.webhook.WebhookHeaders;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The dead-letter channel's store: a queued message that still failed after its redeliveries is kept with its
 * original body and headers, the error (type and the hub's own message only), the route and the attempts. Ops list,
 * read, replay (back into the queue the route consumes, once) and delete them.
 */
@Component("deadLetterStore")
public class DeadLetterStore {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterStore.class);
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };

    private final JdbcClient jdbc;
    private final ObjectMapper json;
    private final ProducerTemplate template;
    private final MeterRegistry meters;
    private final Clock clock;
    private final TransactionTemplate transactions;
    /** The channel calls the store only once the redeliveries are used up: every dead letter had this many tries. */
    private final int attempts;

    public DeadLetterStore(JdbcClient jdbc, ObjectMapper json, ProducerTemplate template, MeterRegistry meters,
                           Clock clock, TransactionTemplate transactions,
                           @Value("${connectify.dead-letters.max-redeliveries}") int maxRedeliveries) {
        this.attempts = maxRedeliveries + 1;
        this.jdbc = jdbc;
        this.json = json;
        this.template = template;
        this.meters = meters;
        this.clock = clock;
        this.transactions = transactions;
    }

    /** Called by the dead-letter channel with the original message and the failure. */
    public void store(Exchange exchange) throws JsonProcessingException {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class);
        String from = exchange.getFromEndpoint() == null ? "" : exchange.getFromEndpoint().getEndpointUri();
        String queue = from.replaceFirst("^jms:(//)?(queue:)?", "").replaceFirst("\\?.*$", "");
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getIn().getHeaders().forEach((name, value) -> {
            // only the message's own headers: JMS and Camel bookkeeping is rebuilt on replay; but its message group
            // is kept, so a replayed event goes back into its booking's group, in order with the booking's others
            if (value != null && (!name.startsWith("JMS") || name.equals(WebhookHeaders.ORDER_GROUP))
                    && !name.startsWith("Camel") && !name.startsWith("_AMQ")) {
                headers.put(name, String.valueOf(value));
            }
        });
        String id = UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO dead_letter (id, route_id, source_queue, provider, body, headers, error_type, "
                        + "error_message, attempts, status, failed_at) VALUES (:id, :route, :queue, :provider, :body, "
                        + ":headers, :type, :message, :attempts, 'STORED', :now)")
                .param("id", id).param("route", routeId == null ? "unknown" : routeId).param("queue", queue)
                .param("provider", headers.get("provider")).param("body", exchange.getIn().getBody(String.class))
                .param("headers", json.writeValueAsString(headers))
                .param("type", error == null ? "unknown" : error.getClass().getName())
                .param("message", safeMessage(error))
                .param("attempts", attempts)
                .param("now", clock.instant().atOffset(ZoneOffset.UTC)).update();
        meters.counter("connectify.dead.letters", "route", routeId == null ? "unknown" : routeId).increment();
        log.error("Message from {} failed in {} after {} attempt(s): stored as dead letter {}", queue, routeId,
                attempts, id);
    }

    public List<DeadLetter> list(String provider, String routeId, Instant from, Instant to, int limit) {
        return jdbc.sql("SELECT * FROM dead_letter WHERE failed_at >= :from AND failed_at < :to"
                        + (provider == null ? "" : " AND provider = :provider")
                        + (routeId == null ? "" : " AND route_id = :route") + " ORDER BY failed_at DESC LIMIT :limit")
                .param("from", from.atOffset(ZoneOffset.UTC)).param("to", to.atOffset(ZoneOffset.UTC))
                .param("provider", provider).param("route", routeId).param("limit", limit)
                .query(this::map).list();
    }

    public DeadLetter get(String id) {
        return jdbc.sql("SELECT * FROM dead_letter WHERE id = :id").param("id", id).query(this::map).optional()
                .orElseThrow(() -> new NotFoundException("No dead letter with id " + id));
    }

    /**
     * Sends the original message back into the queue its route consumes. Only once: the status moves to REPLAYED
     * first, under the row's lock, so two replays of one dead letter cannot both send (a replay that fails again is
     * a new dead letter). The claim and the send are one database transaction, the send durable before it commits:
     * a send the broker refuses rolls the claim back and leaves the letter STORED for another replay (claimed alone,
     * it was REPLAYED with nothing sent, and no replay could send it again); should the commit fail after the send,
     * a second replay's copy is a duplicate, which the queue's consumer drops.
     */
    public DeadLetter replay(String id) {
        DeadLetter letter = get(id);
        transactions.executeWithoutResult(status -> {
            int claimed = jdbc.sql("UPDATE dead_letter SET status = 'REPLAYED', replayed_at = :now WHERE id = :id "
                            + "AND status = 'STORED'")
                    .param("id", id).param("now", clock.instant().atOffset(ZoneOffset.UTC)).update();
            if (claimed == 0) {
                throw new InvalidStateException("Dead letter " + id + " was already replayed");
            }
            template.sendBodyAndHeaders("jms:queue:" + letter.sourceQueue() + "?exchangePattern=InOnly",
                    letter.body(), new LinkedHashMap<>(letter.headers()));
        });
        log.info("Dead letter {} replayed into {}", id, letter.sourceQueue());
        return get(id);
    }

    public void delete(String id) {
        if (jdbc.sql("DELETE FROM dead_letter WHERE id = :id").param("id", id).update() == 0) {
            throw new NotFoundException("No dead letter with id " + id);
        }
    }

    private DeadLetter map(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
        Map<String, String> headers;
        try {
            headers = json.readValue(rs.getString("headers"), HEADERS);
        } catch (JsonProcessingException e) {
            headers = Map.of();
        }
        var replayed = rs.getObject("replayed_at", java.time.OffsetDateTime.class);
        return new DeadLetter(rs.getString("id"), rs.getString("route_id"), rs.getString("source_queue"),
                rs.getString("provider"), rs.getString("body"), headers, rs.getString("error_type"),
                rs.getString("error_message"), rs.getInt("attempts"), rs.getString("status"),
                rs.getObject("failed_at", java.time.OffsetDateTime.class).toInstant(),
                replayed == null ? null : replayed.toInstant());
    }

    /** Hub errors carry safe messages; anything else is named by its type only (its message may hold secrets). */
    private static String safeMessage(Throwable error) {
        HubException typed = io.connectify.hub.resilience.Causes.find(error, HubException.class);
        return typed != null ? typed.type() + ": " + typed.getMessage() : null;
    }

    public record DeadLetter(String id, String routeId, String sourceQueue, String provider, String body,
                             Map<String, String> headers, String errorType, String errorMessage, int attempts,
                             String status, Instant failedAt, Instant replayedAt) {
    }
}
