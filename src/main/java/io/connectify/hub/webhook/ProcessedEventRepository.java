package io.connectify.hub.webhook;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Camel's JDBC idempotent repository, recording keys with one statement each, several keys per commit, and with
 * one race closed:
 * <ul>
 * <li>Camel's own {@code add} counts the key's rows before inserting it, a second query on every processed event;
 * the primary key already refuses a key recorded before, so the insert alone decides.
 * <li>Group commit: the queue's consumers record their keys at the same moment, and a commit, not the insert, is
 * what costs (embedded H2 writes a chunk of its file per commit: about 280 us of CPU, against 40 us per key in
 * commits of 50; bench/RESULTS.md). A consumer's key goes into the next commit; whoever commits takes every key
 * waiting then. Each {@code add} still returns only once its key is committed, before the consumer's broker
 * transaction commits, so nothing about what a crash leaves behind changes. (No library offers this: Camel's
 * repositories commit per key.)
 * <li>The key is recorded by the idempotent block's last step ({@link #record}), not by Camel's completion hook
 * (eager: false): Camel logs a hook's exception as a WARN and goes on, so a key that could not be recorded (the
 * database refusing its insert) let the broker's transaction commit an event that left no key, and a later copy was
 * processed in full again (a dispute counted and alerted twice). A step's failure fails the exchange like any other:
 * retried in place (this step alone: the event is not processed again), else dead-lettered with its key, which
 * the dead letter's replay records before it sends the event back ({@link WebhookHeaders#UNRECORDED_KEY}): the
 * replay is then a duplicate, not a second run of the event.
 * <li>Two consumers (threads or instances) processing the same event at the same moment both find the key absent,
 * and the slower insert fails on the primary key. That event was processed all the same (the saga is
 * idempotent), so the key counts as recorded instead of failing the completed exchange.
 * <li>An event that needed no action ({@link WebhookHeaders#ACTED_ON} false) leaves no key. Its key would
 * protect nothing (the saga is idempotent and the event changed nothing), and recording it was half the CPU of
 * processing such an event (the commit and the garbage of the chunk it writes; bench/RESULTS.md). Stripe sends many
 * events per payment that the hub does not act on.
 * <li>A key is never removed ({@link #remove(String)} does nothing), whatever a route's {@code removeOnFailure} says.
 * <li>A key is also known while it waits in a stored dead letter ({@code dead_letter.unrecorded_key}): its event was
 * processed, only the key's insert failed (see {@link #record}), so a provider's copy arriving before the letter's
 * replay records the key is a duplicate too. One query answers both, the dead letters' index almost always empty.
 * <li>A key whose dead letter could not be stored either (the database down: DeadLetterStore queues a copy carrying
 * it) is owed by this instance ({@link #owe}) and recorded by its consumers' first step ({@link #recordCarried})
 * before any event is looked up: a provider's own copy of the event consumed while the keyed copy still waits on the
 * broker (its redelivery put off with back-off, or parked on the broker's DLQ) is then a duplicate.
 * </ul>
 */
public class ProcessedEventRepository extends JdbcMessageIdRepository {

    /** The key recorded, or waiting in a stored dead letter for its replay to record it (DeadLetterStore). */
    private static final String KNOWN = "SELECT (SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE processorName = ? "
            + "AND messageId = ?) + (SELECT COUNT(*) FROM dead_letter WHERE unrecorded_key = ? AND status = 'STORED')";

    private final ConcurrentLinkedQueue<PendingKey> waiting = new ConcurrentLinkedQueue<>();
    /** Keys of events processed that neither their insert nor their dead letter could keep ({@link #owe}). */
    private final Set<String> owed = ConcurrentHashMap.newKeySet();
    private final ReentrantLock committer = new ReentrantLock();

    public ProcessedEventRepository(DataSource dataSource, TransactionTemplate transactions, String processorName) {
        super(dataSource, transactions, processorName);
    }

    /**
     * Records the key of the event just processed, when it acted ({@link WebhookHeaders#ACTED_ON}): the last step of
     * the idempotent consumer's block, called by the route. Throws when the key could not be recorded, so the event
     * fails before its broker transaction commits (see the class comment).
     */
    public void record(Exchange exchange, String key) {
        if (exchange.getProperty(WebhookHeaders.ACTED_ON, true, Boolean.class)) {
            try {
                add(key);
            } catch (RuntimeException refused) {
                // the event was processed: should every retry fail, its dead letter carries the key, and the replay
                // records it instead of processing the event again (DeadLetterStore)
                exchange.setProperty(WebhookHeaders.UNRECORDED_KEY, key);
                throw refused;
            }
            exchange.removeProperty(WebhookHeaders.UNRECORDED_KEY);
        }
        exchange.setProperty(WebhookHeaders.KEY_RECORDED, true);
    }

    /**
     * A retry in place of an event processed whose key alone could not be recorded: {@link #record} left the key in
     * the exchange's property, and the message carries none ({@link #recordCarried}'s case, whose steps run again).
     * Only the key is left to record: the event must not act again (a retry runs every step of the consumer's route).
     */
    public boolean onlyKeyLeft(Exchange exchange) {
        return exchange.getProperty(WebhookHeaders.UNRECORDED_KEY) != null
                && exchange.getIn().getHeader(WebhookHeaders.UNRECORDED_KEY) == null;
    }

    /**
     * Records the key a message carries ({@link WebhookHeaders#UNRECORDED_KEY} as a header), before the idempotent
     * consumer looks it up: the first step of each event consumer. Such a message is an event already processed whose
     * key, and then whose dead letter, the database refused (down): the dead-letter store put it back on its queue with
     * its key instead of rolling it back ({@link io.connectify.hub.ops.DeadLetterStore}), so this copy is a duplicate
     * once the key is in, never a second run of the event. Throws while the key cannot be recorded: the copy is
     * redelivered by the broker (its key with it, on to the broker's DLQ and back), or stored as a dead letter with
     * its key. A dead letter's replay carries the key it recorded already: then a duplicate insert, nothing more.
     * Then the keys this instance owes ({@link #owe}), whatever the message. First of all it clears what a failed
     * attempt decided ({@link #clearAttempt}).
     */
    public void recordCarried(Exchange exchange) {
        clearAttempt(exchange);
        String carried = exchange.getIn().getHeader(WebhookHeaders.UNRECORDED_KEY, String.class);
        if (carried != null && !carried.isBlank()) {
            try {
                add(carried);
            } catch (RuntimeException refused) {
                exchange.setProperty(WebhookHeaders.UNRECORDED_KEY, carried);
                throw refused;
            }
            owed.remove(carried);
        }
        if (!owed.isEmpty()) { // almost always empty: the hot path pays this check only
            recordOwed();
        }
    }

    /**
     * A redelivery in place runs the event's steps again from the first on the message as it came, but Camel puts back
     * the message only: the exchange's properties stay as the failed attempt left them. A Payrexx delivery's status is
     * fetched again by each attempt, so the rerun may take another branch: a stale "duplicate" (Camel's idempotent
     * consumer sets it and never clears it) sent a new status to the repeat's steps, a stale "not acted on" left a
     * dispute's key unrecorded (acted on again by its next delivery). The key left unrecorded and the duplicate
     * counted once stay: they are what the message's earlier attempts did, not what they decided.
     */
    private static void clearAttempt(Exchange exchange) {
        exchange.removeProperty(Exchange.DUPLICATE_MESSAGE);
        exchange.removeProperty(WebhookHeaders.ACTED_ON);
        exchange.removeProperty(WebhookHeaders.KEY_RECORDED);
    }

    /**
     * Owes {@code key}, the key of an event processed whose key and then whose dead letter the database refused: it
     * is recorded by this instance's next consumer before that consumer looks its event up ({@link #recordCarried}).
     * The copy carrying the key (DeadLetterStore) may wait on the broker long after the database is back (its
     * redelivery put off with back-off, or parked on the broker's DLQ), and a provider's own copy of the event (Stripe
     * resends what got no 2xx) consumed before it found no key: it was processed in full again. Both copies are in the
     * event's message group, which the broker gives one consumer at a time: the one that owes the key, while its
     * instance runs (a key owed by an instance that stops is left to its keyed copy, as before).
     */
    public void owe(String key) {
        owed.add(key);
    }

    /** The key is kept by its stored dead letter ({@code dead_letter.unrecorded_key}): known without being owed. */
    public void keptByDeadLetter(String key) {
        owed.remove(key);
    }

    /**
     * Records the keys owed ({@link #owe}); throws while the database refuses one, failing the message consumed (as
     * the database down fails its lookup): it is retried, so no event is looked up without an owed key.
     */
    private void recordOwed() {
        for (String key : owed) {
            add(key);
            owed.remove(key);
        }
    }

    /**
     * Called by Camel's idempotent consumer once the exchange completed (eager: false). Nothing to do when the
     * block's last step recorded the key ({@link #record}) or the event was a duplicate (its key is there); else
     * (a consumer without that step) the key is recorded here, where a failure is only logged by Camel.
     */
    @Override
    public boolean add(Exchange exchange, String key) {
        if (exchange.getProperty(WebhookHeaders.KEY_RECORDED, false, Boolean.class)
                || exchange.getProperty(Exchange.DUPLICATE_MESSAGE, false, Boolean.class)
                || !exchange.getProperty(WebhookHeaders.ACTED_ON, true, Boolean.class)) {
            return false;
        }
        return add(key);
    }

    @Override
    public boolean add(String key) {
        PendingKey mine = new PendingKey(key);
        waiting.add(mine);
        committer.lock();
        try {
            if (!mine.recorded.isDone()) {
                List<PendingKey> group = new ArrayList<>();
                for (PendingKey next; (next = waiting.poll()) != null; ) {
                    group.add(next);
                }
                try {
                    commit(group);
                } finally {
                    // whatever commit threw (an Error too), no key of the group keeps its consumer waiting (the
                    // failure made only then: an exception's stack trace is no cost to put on every commit)
                    group.stream().filter(k -> !k.recorded.isDone()).forEach(k -> k.recorded.completeExceptionally(
                            new IllegalStateException("The event key was not recorded")));
                }
            }
        } finally {
            committer.unlock();
        }
        try {
            return mine.recorded.join(); // done: committed by this thread or by the one before it
        } catch (CompletionException failed) {
            throw failed.getCause() instanceof RuntimeException cause ? cause : failed;
        }
    }

    /**
     * Does nothing: a key is only ever recorded once its event was processed, so a failed exchange has none of its own
     * to remove, and the key there is another delivery's that acted. Removing it would let a concurrent or later
     * redelivery act a second time; a failed event is replayed from its dead letter, on its own path. Camel's
     * idempotent consumer calls this on a failure unless {@code removeOnFailure: false}: this keeps a route that
     * forgets that setting safe. Keys leave only by age (ops/RetentionSweep).
     */
    @Override
    public boolean remove(String key) {
        return false;
    }

    /**
     * Whether the key is known ({@link #queryForInt}), by its one statement on its own. Camel's {@code contains} runs
     * it in a transaction of its own (a transaction manager's begin, the connection's auto-commit off and on again,
     * a commit), which one SELECT does not need: it reads the same committed rows either way, and joins a
     * transaction its caller runs in as before. That transaction was a fifth of the garbage of the look-up every
     * queued event makes (a JFR allocation profile of the fixed-rate benchmark). A lost database fails it as before,
     * as a data access failure the dead-letter store counts as passing (CannotGetJdbcConnectionException where it was
     * CannotCreateTransactionException).
     */
    @Override
    public boolean contains(String key) {
        return queryForInt(key) != 0;
    }

    /** How {@link #contains(String)} knows a key: recorded, or held by a stored dead letter whose event was processed. */
    @Override
    protected int queryForInt(String key) {
        Integer known = jdbcTemplate.queryForObject(KNOWN, Integer.class, processorName, key, key);
        return known == null ? 0 : known;
    }

    /** Keys waiting for a commit (tests). */
    int waiting() {
        return waiting.size();
    }

    private void commit(List<PendingKey> group) {
        if (group.size() > 1) {
            Timestamp now = new Timestamp(System.currentTimeMillis());
            try {
                transactionTemplate.executeWithoutResult(status -> jdbcTemplate.batchUpdate(getInsertString(),
                        group.stream().map(k -> new Object[] {processorName, k.key, now}).toList()));
                group.forEach(k -> k.recorded.complete(true));
                return;
            } catch (RuntimeException oneOfThem) {
                // a key recorded before (a race), or the same key twice: then each on its own, as a single key;
                // also when the transaction could not begin (no connection: a TransactionException, not a
                // DataAccessException), which left the group's other consumers waiting for good
            }
        }
        for (PendingKey k : group) {
            try {
                k.recorded.complete(insertAlone(k.key));
            } catch (RuntimeException e) {
                k.recorded.completeExceptionally(e);
            }
        }
    }

    private boolean insertAlone(String key) {
        try {
            return Boolean.TRUE.equals(transactionTemplate.execute(status -> insert(key) == 1));
        } catch (DuplicateKeyException recordedBefore) {
            return false;
        }
    }

    private record PendingKey(String key, CompletableFuture<Boolean> recorded) {

        PendingKey(String key) {
            this(key, new CompletableFuture<>());
        }
    }
}
