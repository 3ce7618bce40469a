package io.connectify.hub.ops;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.notification.NotificationSenderRoutes;
import io.connectify.hub.ops.cluster.SingletonLease;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.DatabaseBusy;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.InvalidStateException;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.webhook.WebhookAudit;
import io.connectify.hub.webhook.ProcessedEventRepository;
import io.connectify.hub.webhook.RawBody;
import io.connectify.hub.webhook.WebhookHeaders;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The dead-letter channel's store: a queued message that still failed after its redeliveries is kept with its
 * original body and headers, the error (type and the hub's own message only), the route and the attempts. Ops list,
 * read, replay (back into the queue the route consumes, once) and delete them.
 * <p>
 * A message that failed for a passing reason (its provider down or its circuit open, a rate limit, a database lock)
 * is also replayed on its own: first {@code auto-replay.first-after} after it failed, then at twice the wait after
 * each failure more, up to {@code max-delay}, {@code max-replays} times; then it waits for a person. The redeliveries
 * in place last seconds (they hold the consumer and the event's message group), while an outage of Google or a
 * provider lasts minutes: without this, every payment event of an outage waited for someone to replay it.
 * <p>
 * An event processed whose idempotent key could not be recorded (the database refusing the insert through every
 * retry) is kept with its key ({@link WebhookHeaders#UNRECORDED_KEY}) and replayed on its own like a passing
 * failure: the replay records the key first, so the event sent back is a duplicate to its consumer; until then the
 * key in its row ({@code unrecorded_key}, V36) makes a provider's copy of the event a duplicate as well
 * ({@link ProcessedEventRepository}). Before, the letter had no key, and its replay, or a provider's redelivery,
 * processed the event in full a second time.
 */
@Component("deadLetterStore")
public class DeadLetterStore {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterStore.class);
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };
    /** The message header that counts a message's automatic replays, kept with it through its dead letters. */
    static final String AUTOMATIC_REPLAYS = "connectifyAutomaticReplays";
    /**
     * The message headers a replay puts on the message it sends back: the id of the letter it came from and how many
     * replays (a person's and automatic ones) it has had. A replay that fails again is a new letter, which keeps
     * them with its headers: {@code replayOf} links it to the one before (REPLAYED, kept for the retention period),
     * where nothing told the successive letters of one event apart from those of others.
     */
    static final String REPLAY_OF = "connectifyReplayOf";
    static final String REPLAYS = "connectifyReplays";

    private final JdbcClient jdbc;
    private final ObjectMapper json;
    private final ProducerTemplate template;
    private final MeterRegistry meters;
    /** The database's (DeadLetterClockConfig): failed_at, retry_at and the sweep's now, one clock for all instances. */
    private final Clock clock;
    private final TransactionTemplate transactions;
    /** The channel calls the store only once the redeliveries are used up: every dead letter had this many tries. */
    private final int attempts;
    private final DeadLetterProperties.AutoReplay autoReplay;
    private final WebhookAudit webhookAudit;
    private final ProcessedEventRepository processedEvents;

    public DeadLetterStore(JdbcClient jdbc, ObjectMapper json, ProducerTemplate template, MeterRegistry meters,
                           @Qualifier(DeadLetterClockConfig.NAME) Clock clock, TransactionTemplate transactions,
                           DeadLetterProperties properties,
                           WebhookAudit webhookAudit, ProcessedEventRepository processedEvents) {
        this.webhookAudit = webhookAudit;
        this.processedEvents = processedEvents;
        this.attempts = properties.maxRedeliveries() + 1;
        this.autoReplay = properties.autoReplay();
        this.jdbc = jdbc;
        this.json = json;
        this.template = template;
        this.meters = meters;
        this.clock = clock;
        this.transactions = transactions;
    }

    /**
     * Called by the dead-letter channel with the original message and the failure. After the failed step's MDC was
     * cleared: its lines name the message's correlation id and booking again (before, they named neither).
     */
    public void store(Exchange exchange) throws JsonProcessingException {
        try (var named = MessageMdc.of(exchange.getIn())) {
            storeNamed(exchange);
        }
    }

    private void storeNamed(Exchange exchange) throws JsonProcessingException {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class);
        String from = exchange.getFromEndpoint() == null ? "" : exchange.getFromEndpoint().getEndpointUri();
        String queue = from.replaceFirst("^jms:(//)?(queue:)?", "").replaceFirst("\\?.*$", "");
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getIn().getHeaders().forEach((name, value) -> {
            // only the message's own headers: JMS and Camel bookkeeping is rebuilt on replay; but its message group
            // is kept, so a replayed event goes back into its group (a payment's), in order with the group's others
            if (value != null && (!name.startsWith("JMS") || name.equals(WebhookHeaders.ORDER_GROUP))
                    && !name.startsWith("Camel") && !name.startsWith("_AMQ")) {
                headers.put(name, String.valueOf(value));
            }
        });
        String resolvedBooking = exchange.getProperty(WebhookHeaders.RESOLVED_BOOKING, String.class);
        if (resolvedBooking != null) {
            // the booking the processing found (a Payrexx delivery's, from its transaction): the message as it came
            // named none, and its letter named none either
            headers.putIfAbsent(WebhookHeaders.BOOKING_ID, resolvedBooking);
        }
        String unrecordedKey = exchange.getProperty(WebhookHeaders.UNRECORDED_KEY, String.class);
        boolean keyCarried = exchange.getIn().getHeader(WebhookHeaders.UNRECORDED_KEY) != null;
        if (unrecordedKey != null) {
            headers.put(WebhookHeaders.UNRECORDED_KEY, unrecordedKey);
        }
        // kept as text: a webhook's event queued as its UTF-8 bytes (a BytesMessage, as the webhook inbox forwards
        // it) is decoded as UTF-8, not by the platform's charset; the body becomes that text, so that a copy queued
        // again with its key (below) and a replay are sent as text, which the consumers take as they take bytes
        String body = RawBody.asText(exchange.getIn());
        String id = UUID.randomUUID().toString();
        int replays = automaticReplays(headers);
        Instant retryAt = null;
        try {
            // the database's time (DeadLetterClockConfig), read where a database refusing it is a store refused
            Instant now = clock.instant();
            // only the key is left to record: another try may well mend that, whatever refused it
            retryAt = unrecordedKey != null || passing(error) ? nextReplay(now, replays) : null;
            insert(exchange, id, routeId, queue, body, headers, error, now, retryAt, unrecordedKey);
        } catch (RuntimeException notStored) {
            if (unrecordedKey != null) {
                // its copy carrying the key may wait on the broker after the database is back: this instance's
                // consumers record the key first, so a provider's own copy of the event consumed meanwhile is a
                // duplicate (ProcessedEventRepository#owe)
                processedEvents.owe(unrecordedKey);
            }
            if (unrecordedKey == null || keyCarried || queue.isEmpty()) {
                throw notStored; // rolled back: the broker redelivers the message as it came, then parks it on DLQ
            }
            keptOnQueueWithItsKey(exchange, queue, headers, unrecordedKey, notStored);
            return;
        }
        if (unrecordedKey != null) {
            processedEvents.keptByDeadLetter(unrecordedKey); // known by its letter now (unrecorded_key)
        }
        meters.counter("connectify.dead.letters", "route", routeId == null ? "unknown" : routeId).increment();
        webhookAudit.deadLettered(exchange); // a webhook's event (once stored: a failed store is redelivered)
        if (retryAt != null) {
            log.warn("Message from {} failed in {} after {} attempt(s) for a passing reason: stored as dead letter {},"
                    + " replayed on its own at {}", queue, routeId, attempts, id, retryAt);
        } else {
            log.error("Message from {} failed in {} after {} attempt(s): stored as dead letter {}", queue, routeId,
                    attempts, id);
        }
    }

    /**
     * An event processed whose key, and then whose dead letter, the database refused (down): rolled back, the broker
     * would redeliver it as it came, without its key, and once the database is back the redelivery (or its copy moved
     * back from the broker's DLQ) would find no key and act on the event a second time (a dispute counted and alerted
     * again). Instead a copy carrying the key goes back on its queue in its message group, sent on the consumer's
     * session, so the copy and this message's acknowledgement commit together (or neither: the broker redelivers
     * this one). Its consumer records the key first ({@link ProcessedEventRepository#recordCarried}); while the
     * database is down that fails and the copy is redelivered by the broker, its key with it, then parked on DLQ.
     */
    private void keptOnQueueWithItsKey(Exchange exchange, String queue, Map<String, String> headers, String key,
                                       RuntimeException notStored) {
        template.sendBodyAndHeaders("jms:queue:" + queue + "?transacted=true&exchangePattern=InOnly",
                exchange.getIn().getBody(String.class), new LinkedHashMap<String, Object>(headers));
        meters.counter("connectify.dead.letters.unstored", "route",
                String.valueOf(exchange.getProperty(Exchange.FAILURE_ROUTE_ID, "unknown", String.class))).increment();
        log.warn("Event {} from {} was processed but neither its key nor its dead letter could be stored ({}): queued "
                + "again with its key, recorded before anything else when it is consumed", key, queue,
                notStored.getClass().getSimpleName());
    }

    private void insert(Exchange exchange, String id, String routeId, String queue, String body,
                        Map<String, String> headers, Throwable error, Instant now, Instant retryAt,
                        String unrecordedKey)
            throws JsonProcessingException {
        jdbc.sql("INSERT INTO dead_letter (id, route_id, source_queue, provider, body, headers, error_type, "
                        + "error_message, attempts, status, failed_at, retry_at, unrecorded_key) VALUES (:id, :route, :queue, "
                        + ":provider, :body, :headers, :type, :message, :attempts, 'STORED', :now, :retryAt, :key)")
                .param("id", id).param("route", routeId == null ? "unknown" : routeId).param("queue", queue)
                .param("provider", provider(exchange, headers)).param("body", body)
                .param("headers", json.writeValueAsString(headers))
                .param("type", error == null ? "unknown" : Causes.insideCamelWrappers(error).getClass().getName())
                .param("message", safeMessage(error))
                .param("attempts", attempts)
                .param("now", now.atOffset(ZoneOffset.UTC))
                .param("retryAt", retryAt == null ? null : retryAt.atOffset(ZoneOffset.UTC))
                .param("key", unrecordedKey).update();
    }

    /**
     * A webhook's event names its provider in a header; a queued notification by the sender that consumed it (SMS:
     * twilio, email: sendgrid). Before, a notification's letter had none, and {@code ?provider=twilio} listed no SMS.
     */
    private static String provider(Exchange exchange, Map<String, String> headers) {
        String named = headers.get(WebhookHeaders.PROVIDER);
        return named != null ? named : NotificationSenderRoutes.provider(exchange.getFromRouteId());
    }

    /**
     * Replays the dead letters whose automatic replay is due (route ops-dead-letter-auto-replay, on one instance);
     * answers how many. Each goes back with its count of automatic replays one higher. A run of that singleton route
     * whose instance no longer leads replays no further letter (SingletonLease).
     */
    public int replayDue(Exchange run) {
        BooleanSupplier leads = SingletonLease.forRun(run);
        List<String> due = jdbc.sql("SELECT id FROM dead_letter WHERE status = 'STORED' AND retry_at <= :now "
                        + "ORDER BY retry_at LIMIT 100")
                .param("now", clock.instant().atOffset(ZoneOffset.UTC)).query(String.class).list();
        int replayed = 0;
        for (String id : due) {
            if (!leads.getAsBoolean()) {
                break;
            }
            try {
                boolean sent = DatabaseBusy.unlessHeld(() -> {
                    send(get(id), true);
                    return true;
                }, () -> log.info("Dead letter {}: its row is held by another transaction; looked at again by the "
                        + "next sweep", id)).orElse(false);
                if (!sent) {
                    // a person replaying or deleting it, say: neither counted as a replay nor put off (putting it
                    // off met the same held row, and the sweep stopped there)
                    continue;
                }
                meters.counter("connectify.dead.letters.replayed", "mode", "automatic").increment();
                replayed++;
            } catch (InvalidStateException | NotFoundException goneMeanwhile) {
                // replayed or deleted by a person, or replayed by another instance that led a moment ago
            } catch (RuntimeException refused) {
                // the broker refused the send, say: this one waits, and those behind it (ordered by retry_at, it
                // came first every time) go on now, where one such letter stopped every sweep
                Instant next = postpone(id);
                log.warn("Dead letter {} could not be replayed on its own ({}): {}", id,
                        refused.getClass().getSimpleName(), next == null ? "left for an operator" : "tried again at "
                                + next);
            }
        }
        if (replayed > 0) {
            log.info("{} dead letter(s) of a passing failure replayed on their own", replayed);
        }
        return replayed;
    }

    /**
     * A replay that could not be sent counts as one of its automatic replays: it waits as long as a failed one would,
     * and once they are used up it is left for an operator (where a send refused for good was tried every minute for
     * ever, seen by no alert). Answers when it is tried again, or null.
     */
    private Instant postpone(String id) {
        Map<String, String> headers = withOneMoreReplay(get(id).headers());
        Instant next = nextReplay(clock.instant(), automaticReplays(headers));
        try {
            jdbc.sql("UPDATE dead_letter SET retry_at = :later, headers = :headers WHERE id = :id AND status = 'STORED'")
                    .param("id", id).param("headers", json.writeValueAsString(headers))
                    .param("later", next == null ? null : next.atOffset(ZoneOffset.UTC)).update();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Headers of dead letter " + id + " could not be written", e);
        }
        return next;
    }

    /**
     * Dead letters failed in [from, to), newest first, those failed at one instant by id (descending), at most
     * {@code limit}. {@code beforeId} (null: none) makes it a page after one that ended with that letter, failed at
     * {@code to}: those failed at {@code to} whose id sorts before it are taken too, so a letter failed at the same
     * instant as a page's last one is on the next page, never skipped (before, {@code to} alone left it out).
     */
    public List<DeadLetter> list(String provider, String routeId, Status status, Instant from, Instant to,
                                 String beforeId, int limit) {
        return jdbc.sql("SELECT * FROM dead_letter WHERE failed_at >= :from AND (failed_at < :to"
                        + (beforeId == null ? "" : " OR failed_at = :to AND id < :before") + ")"
                        + (provider == null ? "" : " AND provider = :provider")
                        + (routeId == null ? "" : " AND route_id = :route")
                        + (status == null ? "" : " AND status = :status")
                        + " ORDER BY failed_at DESC, id DESC LIMIT :limit")
                .param("from", from.atOffset(ZoneOffset.UTC)).param("to", to.atOffset(ZoneOffset.UTC))
                .param("before", beforeId).param("provider", provider).param("route", routeId)
                .param("status", status == null ? null : status.name()).param("limit", limit)
                .query(this::map).list();
    }

    public DeadLetter get(String id) {
        return jdbc.sql("SELECT * FROM dead_letter WHERE id = :id").param("id", id).query(this::map).optional()
                .orElseThrow(() -> new NotFoundException("No dead letter with id " + id));
    }

    /**
     * Sends the original message back into the queue its route consumes. Only once: the status moves to REPLAYED
     * first, under the row's lock, so two replays of one dead letter cannot both send (a replay that fails again is
     * a new dead letter). The claim and the send are one database transaction, the send durable before it commits (a
     * broker session not transacted, not one committed after the database's, as a booking's notices are: no broker
     * commit follows the claim's, to fail and leave it REPLAYED with nothing queued):
     * a send the broker refuses rolls the claim back and leaves the letter STORED for another replay (claimed alone,
     * it was REPLAYED with nothing sent, and no replay could send it again); should the commit fail after the send,
     * a second replay's copy is a duplicate, which the queue's consumer drops.
     */
    public DeadLetter replay(String id) {
        send(get(id), false);
        meters.counter("connectify.dead.letters.replayed", "mode", "manual").increment();
        return get(id);
    }

    /** Its lines name the letter's correlation id and booking (a sweep's run names neither). */
    private void send(DeadLetter letter, boolean automatic) {
        try (var named = MessageMdc.of(letter.headers())) {
            sendNamed(letter, automatic);
        }
    }

    private void sendNamed(DeadLetter letter, boolean automatic) {
        String id = letter.id();
        Map<String, String> headers = automatic ? withOneMoreReplay(letter.headers())
                : new LinkedHashMap<>(letter.headers());
        headers.put(REPLAY_OF, id);
        headers.put(REPLAYS, Integer.toString(letter.replays() + 1));
        String unrecordedKey = headers.get(WebhookHeaders.UNRECORDED_KEY);
        if (unrecordedKey != null && "STORED".equals(letter.status())) {
            // the event was processed, only its key was lost: recorded first (in its own commit: a key is true once
            // its event was processed, whatever becomes of the send), so the copy sent back is a duplicate. Should
            // this fail, the letter stays STORED, as a refused send leaves it
            processedEvents.add(unrecordedKey);
        }
        transactions.executeWithoutResult(status -> {
            int claimed = jdbc.sql("UPDATE dead_letter SET status = 'REPLAYED', replayed_at = :now WHERE id = :id "
                            + "AND status = 'STORED'")
                    .param("id", id).param("now", clock.instant().atOffset(ZoneOffset.UTC)).update();
            if (claimed == 0) {
                // deleted since it was read (unlocked): not found, as it would be now, rather than "replayed"
                get(id);
                throw new InvalidStateException("Dead letter " + id + " was already replayed");
            }
            // no transacted=true here: on the session synchronized with this transaction the message would be
            // committed to the broker only after the claim, and a broker commit failing then would lose it
            template.sendBodyAndHeaders("jms:queue:" + letter.sourceQueue() + "?exchangePattern=InOnly",
                    letter.body(), new LinkedHashMap<>(headers));
        });
        log.info("Dead letter {} replayed into {}{}", id, letter.sourceQueue(), automatic ? " on its own" : "");
    }

    /** When a message that has had {@code replays} automatic replays is replayed next: null once they are used up. */
    private Instant nextReplay(Instant now, int replays) {
        return replays < autoReplay.maxReplays() ? now.plus(autoReplay.delay(replays)) : null;
    }

    private static Map<String, String> withOneMoreReplay(Map<String, String> headers) {
        Map<String, String> counted = new LinkedHashMap<>(headers);
        counted.put(AUTOMATIC_REPLAYS, Integer.toString(automaticReplays(headers) + 1));
        return counted;
    }

    private static int automaticReplays(Map<String, String> headers) {
        return count(headers.get(AUTOMATIC_REPLAYS));
    }

    /**
     * A failure another try may mend: the provider down, slow or its circuit open, a rate limit (the provider's or
     * the hub's), a database lock or lost connection. Not one the provider refused, nor bad data.
     */
    static boolean passing(Throwable error) {
        ProviderException provider = Causes.find(error, ProviderException.class);
        if (provider != null) {
            return !provider.refused();
        }
        // a lost connection or an exhausted pool is a DataAccessResourceFailureException (not a transient one), or,
        // when a transaction begins, a CannotCreateTransactionException; PostgreSQL's lock timeout is none of these
        // (an UncategorizedSQLException), DatabaseBusy knows it
        return DatabaseBusy.is(error)
                || Causes.find(error, TransientDataAccessException.class) != null
                || Causes.find(error, RecoverableDataAccessException.class) != null
                || Causes.find(error, DataAccessResourceFailureException.class) != null
                || Causes.find(error, CannotCreateTransactionException.class) != null;
    }

    /**
     * Deletes a letter; {@code settle} is given it as it was, read under its row lock (a replay under way ends first),
     * in the delete's transaction: what it does (a booking marked, {@link DeadLetterDiscards}) commits with the delete
     * or not at all, and what it throws leaves the letter. Before, the delete committed first, and a mark that failed
     * left the letter gone, its booking unmarked, and a retried DELETE 404. Answers what {@code settle} answered.
     */
    public <T> T delete(String id, Function<DeadLetter, T> settle) {
        // a letter whose event was processed leaves its key behind, so deleting it does not make a later copy of its
        // event a new one
        jdbc.sql("SELECT unrecorded_key FROM dead_letter WHERE id = :id AND status = 'STORED' AND unrecorded_key IS "
                        + "NOT NULL").param("id", id).query(String.class).optional().ifPresent(processedEvents::add);
        return transactions.execute(status -> {
            DeadLetter letter = jdbc.sql("SELECT * FROM dead_letter WHERE id = :id FOR UPDATE").param("id", id)
                    .query(this::map).optional()
                    .orElseThrow(() -> new NotFoundException("No dead letter with id " + id));
            T settled = settle.apply(letter);
            jdbc.sql("DELETE FROM dead_letter WHERE id = :id").param("id", id).update();
            return settled;
        });
    }

    private DeadLetter map(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
        Map<String, String> headers;
        try {
            headers = json.readValue(rs.getString("headers"), HEADERS);
        } catch (JsonProcessingException e) {
            headers = Map.of();
        }
        var replayed = rs.getObject("replayed_at", java.time.OffsetDateTime.class);
        var retryAt = rs.getObject("retry_at", java.time.OffsetDateTime.class);
        return new DeadLetter(rs.getString("id"), rs.getString("route_id"), rs.getString("source_queue"),
                rs.getString("provider"), rs.getString("body"), headers, rs.getString("error_type"),
                rs.getString("error_message"), rs.getInt("attempts"), rs.getString("status"),
                rs.getObject("failed_at", java.time.OffsetDateTime.class).toInstant(),
                replayed == null ? null : replayed.toInstant(), retryAt == null ? null : retryAt.toInstant(),
                headers.get(REPLAY_OF), replays(headers));
    }

    /** A letter stored before its replays were counted ({@link #REPLAYS}) counts its automatic ones. */
    private static int replays(Map<String, String> headers) {
        return headers.containsKey(REPLAYS) ? count(headers.get(REPLAYS)) : automaticReplays(headers);
    }

    private static int count(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Hub errors carry safe messages; anything else is named by its type only (its message may hold secrets). */
    private static String safeMessage(Throwable error) {
        HubException typed = Causes.find(error, HubException.class);
        return typed != null ? typed.type() + ": " + typed.getMessage() : null;
    }

    /**
     * {@code retryAt}: when it is replayed on its own; null: it waits for a person. {@code replayOf}: the letter whose
     * replay failed into this one (null: the message's first failure); {@code replays}: how many times its message
     * was replayed before it failed into this letter (a person's replays and automatic ones).
     */
    public record DeadLetter(String id, String routeId, String sourceQueue, String provider, String body,
                             Map<String, String> headers, String errorType, String errorMessage, int attempts,
                             String status, Instant failedAt, Instant replayedAt, Instant retryAt, String replayOf,
                             int replays) {
    }

    /** What a letter waits for: STORED, a replay; REPLAYED, nothing (its message was sent back). */
    public enum Status {
        STORED, REPLAYED
    }
}
