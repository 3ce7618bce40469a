package io.connectify.hub.webhook;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import io.connectify.hub.PropertyChecks;
import io.connectify.hub.resilience.UnavailableException;

import org.apache.activemq.artemis.core.io.nio.NIOSequentialFileFactory;
import org.apache.activemq.artemis.core.journal.JournalLoadInformation;
import org.apache.activemq.artemis.core.journal.PreparedTransactionInfo;
import org.apache.activemq.artemis.core.journal.RecordInfo;
import org.apache.activemq.artemis.core.journal.impl.JournalImpl;
import org.apache.activemq.artemis.utils.actors.OrderedExecutorFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.StartupListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Where the webhook ingress puts a verified event before it acknowledges it: a write-ahead inbox on the local
 * disk, in front of the durable queue. The request appends the event to a journal, waits for the journal's sync,
 * and is answered; a forwarder thread then sends the events to their queue in the order they came, those waiting
 * together in one broker transaction, and deletes them from the journal once the broker has committed them. Events
 * left in the journal by a crash or a stop are forwarded after the next start, also one with the inbox off (then
 * the journal is closed, and its files removed, once they are in their queues; a webhook meanwhile whose order group
 * still has an event waiting there is held until that one is in its queue, so it cannot overtake it).
 * <p>
 * Why: a durable send to the embedded broker passes the event through several of the broker's threads before the
 * request may answer (bench/RESULTS.md: the broker's threads parking and waking took more CPU than their work),
 * and on two cores the request waited for all of them. The journal is Artemis's own (the library the broker
 * stores its queues with) on the same disk as the broker's journal, so an acknowledged event is exactly as
 * durable as before; the broker's work moves behind the answer, onto a thread at the queue consumers' priority.
 * <p>
 * Only where the broker's data is on the same disk: with the external broker of the scale-out profile an
 * instance's disk may go with its container, so there the inbox is off and every event is sent to the broker
 * before the answer ({@code connectify.webhooks.inbox.enabled}). The inbox keeps at most
 * {@code connectify.webhooks.inbox.memory} of events in memory, those that come with a quarter of it taken deflated
 * ({@link RecordPacker}: a burst's backlog of Stripe events fits about two and a half times over); beyond that an
 * event goes straight to its queue as well, unless an earlier event of its order group is still in the inbox (it
 * waits behind that one, so a booking's events keep their order). A crash after a forward and before its delete
 * forwards the event again; the event routes' idempotent consumer drops the repeat.
 * <p>
 * Why a transaction for what waits: a durable send outside one waits for the broker's journal sync, so one event at
 * a time the forwarder kept up with about 600 events/s and the inbox grew at a steady 1,000 webhooks/s; in a
 * transaction the sends do not wait and the commit syncs them all at once (bench/RESULTS.md). Except during a burst
 * (webhooks appended at {@link ForwardPolicy#burstRate()} per second or more over the last 100 ms): then one event
 * per transaction, so the processing a batch sets off in the broker does not take the cores from the
 * acknowledgements (with batches throughout, 0.37 and 0.42 of the bare endpoint's rate at 16 and 64 connections,
 * against 0.50 and 0.61); the inbox holds the rest until the burst is over. Outside a burst the forwarder lingers
 * a little after the first event so that more join its transaction ({@link ForwardPolicy#linger()}).
 */
public class WebhookInbox implements SmartLifecycle, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(WebhookInbox.class);
    private static final byte EVENT_RECORD = 1;
    private static final int FILE_SIZE = 10 * 1024 * 1024;
    private static final String JOURNAL_PREFIX = "inbox";
    private static final String JOURNAL_EXTENSION = "inbox"; // the journal's files: inbox-<n>.inbox
    /** The file Artemis's journal writes while it compacts (AbstractJournalUpdateTask.FILE_COMPACT_CONTROL). */
    private static final String JOURNAL_COMPACT_CONTROL = "journal-rename-control.ctr";
    /** What a refused webhook's answer asks the provider to wait before it delivers again. */
    private static final Duration ASK_AGAIN_AFTER = Duration.ofSeconds(1);
    // one per ordered executor the journal runs its work on (appends, file opening, compaction): none waits for
    // another. Given no pool, the journal makes an unbounded cached one of its own, which held 47 threads at
    // 1,000 webhooks/s (a new one whenever no idle thread was back in time for the next hand-off; bench/RESULTS.md).
    // A plain fixed pool, not Artemis' ActiveMQThreadPoolExecutor: that one lets concurrent hand-offs start
    // "a few" threads past its maximum by design, and a burst of requests did (4 of 3)
    private static final int IO_THREADS = 3;

    private static final long NONE = Long.MIN_VALUE;
    /**
     * Room in the journal's write buffer beside the largest webhook body: the event's queue and headers (a few hundred
     * bytes) and the journal's record header. The buffer holds a record whole or refuses it ("Can't write records
     * bigger than the bufferSize"), and Artemis's default, 490 KB, was less than a Stripe dispute's event may be.
     */
    static final int RECORD_HEADROOM = 64 * 1024;
    /** What the journal adds to a record's data (its type, id, lengths and checks), rounded up. */
    private static final int RECORD_OVERHEAD = 1024;

    /**
     * An event in the inbox, not yet in its queue: its record as the journal holds it ({@code length} bytes), or
     * deflated ({@link RecordPacker}) when it came with a quarter of the inbox's memory taken; {@code since}: when it
     * was appended (or loaded), nanoTime.
     */
    private record Waiting(long id, byte[] held, int length, boolean packed, String orderGroup, long since) {
    }

    /**
     * How the forwarder groups events into broker transactions.
     *
     * @param batch     events in one transaction at most
     * @param burstRate from this many appends per second, one event per transaction (0: always)
     * @param linger    outside a burst, how long the forwarder waits after the first event for more to join its
     *                  transaction. Why: at a steady rate the forwarder otherwise finds one event, or two, each
     *                  time, and every transaction costs the broker a commit and a journal sync; at 1,000
     *                  webhooks/s 10 ms gather about ten for each and took 13-18% off the hub's CPU
     *                  (bench/RESULTS.md). The events wait in the synced inbox meanwhile, already acknowledged
     */
    public record ForwardPolicy(int batch, long burstRate, Duration linger) {
        public ForwardPolicy {
            batch = Math.max(1, batch);
        }
    }

    private final boolean enabled;
    private final File directory;
    private final int flushNanos;
    private final long memoryLimit;
    // from here on an event's copy in memory is deflated: a backlog, not the few events of a steady rate
    private final long packAbove;
    private final RecordPacker packer = new RecordPacker();
    private final int journalBufferSize;
    private final Duration retryDelay;
    private final Duration leftOverWait;
    // with the inbox off, how many webhooks may be held behind left-over events at once: each holds a request
    // thread, and a backlog's follow-up events held for their whole wait took every one (the API stalled with them)
    private final Semaphore leftOverHolds;
    private final CamelContext camel;
    private final ProducerTemplate template;
    private final int forwarderPriority;
    private final TransactionOperations transactions;
    private final ForwardPolicy policy;
    // the forwarder's view of the append rate, from the record ids (one per append; its thread only)
    private long windowStart = System.nanoTime();
    private long windowAppended;
    private boolean burst;

    private final LinkedBlockingQueue<Waiting> waiting = new LinkedBlockingQueue<>();
    private final Map<String, Integer> waitingPerGroup = new ConcurrentHashMap<>();
    private final AtomicLong waitingBytes = new AtomicLong();
    private final AtomicInteger waitingCount = new AtomicInteger(); // the one being forwarded too
    private final AtomicLong ids = new AtomicLong();
    private volatile JournalImpl journal;
    // appends hold it shared, the journal's closing alone: a request that found the inbox open appends to an open
    // journal, and the closing waits for the appends under way. Before, a webhook racing the stop could find the
    // journal gone (a NullPointerException, answered 500) or stopped under it
    private final ReadWriteLock journalUse = new ReentrantReadWriteLock();
    // notified, with the inbox off, whenever events left over from a run with it on are in their queues, and at the stop
    private final Object leftOverForwarded = new Object();
    private volatile ThreadPoolExecutor journalThreads;
    private volatile Thread forwarder;
    private volatile boolean running;
    private volatile boolean forwarding = true;
    // when the oldest event of the batch being forwarded was appended (nanoTime), NONE between batches
    private volatile long forwardingSince = NONE;

    /**
     * @param largestBody  the largest webhook body the hub accepts ({@code connectify.webhooks.max-body-bytes}): the
     *                     journal's write buffer takes an event with such a body
     * @param transactions the broker transaction a batch of forwards runs in; its commit makes them all durable
     *                     in the queue
     * @param leftOverWait with the inbox off, how long a webhook whose order group has an event left over in the
     *                     journal waits for it to reach its queue; after that it is refused (503, the provider
     *                     delivers it again) rather than sent ahead of it
     * @param leftOverHolds with the inbox off, how many webhooks may be held so at once; one more is refused at once
     *                     (503): each held webhook holds a request thread
     * @param policy       how many events go in one transaction, and when
     */
    public WebhookInbox(boolean enabled, File directory, Duration flushInterval, long memoryLimit, long largestBody,
                        Duration retryDelay, Duration leftOverWait, int leftOverHolds, ProducerTemplate template,
                        int forwarderPriority, TransactionOperations transactions, ForwardPolicy policy) {
        this.enabled = enabled;
        this.directory = directory;
        this.flushNanos = (int) Math.min(Integer.MAX_VALUE, flushInterval.toNanos());
        this.memoryLimit = memoryLimit;
        this.packAbove = memoryLimit / 4;
        this.journalBufferSize = journalBufferSize(largestBody);
        // slept between tries of a forward the broker refused: 0 (or under a millisecond) spun a core, a negative one
        // made the sleep throw and the forwarder end, its events waiting in the journal until the next start
        this.retryDelay = PropertyChecks.atLeast("connectify.webhooks.inbox.retry-delay", retryDelay,
                Duration.ofMillis(1), "the wait before a refused forward is tried again");
        this.leftOverWait = leftOverWait;
        this.leftOverHolds = new Semaphore(leftOverHolds);
        // from the template: a Spring Lifecycle bean that took the CamelContext bean would have Spring start Camel
        // with it, before Camel's Spring Boot listener has added the routes
        this.camel = template.getCamelContext();
        this.template = template;
        this.forwarderPriority = forwarderPriority;
        this.transactions = transactions;
        this.policy = policy;
    }

    /**
     * Makes the exchange's event durable, in the inbox or in its queue (see the class comment), and returns once it
     * is; an exception means it is not, and the request must not be acknowledged ({@link UnavailableException}: the
     * inbox is closed, the hub stopping, or an event left over in the journal before it could not be forwarded in
     * time; the provider delivers the webhook again).
     */
    public void enqueue(Exchange exchange, String queueUri) throws Exception {
        String group = exchange.getMessage().getHeader(WebhookHeaders.ORDER_GROUP, String.class);
        if (enabled) {
            if (waitingBytes.get() < memoryLimit || (group != null && waitingPerGroup.containsKey(group))) {
                byte[] bytes = InboxRecord.bytesOf(queueUri, exchange.getMessage());
                if (bytes.length <= largestRecord()) {
                    append(bytes, group);
                    return;
                }
                // more than the journal takes (a body within the webhooks' limit never is): durable in its queue
                // all the same, though it may pass events of its group still waiting here
                log.warn("Webhook inbox: an event of {} bytes is larger than its journal takes ({}); sent to its "
                        + "queue directly", bytes.length, largestRecord());
            }
            if (!running) {
                throw closed();
            }
        } else if (group != null && !waitingPerGroup.isEmpty()) {
            awaitLeftOvers(group);
        }
        // sent now as a text message, as webhook events always were (the consumers take text and the bytes the inbox
        // forwards alike): an external broker's consumers may be of an older version during a rolling upgrade
        RawBody.asText(exchange.getMessage());
        sendNow(exchange, queueUri);
    }

    private static UnavailableException closed() {
        return new UnavailableException("The webhook inbox is closed: the hub is stopping", ASK_AGAIN_AFTER);
    }

    /**
     * With the inbox off: holds a webhook whose order group has an event left over in the journal until that one is in
     * its queue (at most {@code leftOverWait}), so that it does not overtake it. Only a start on a journal a run with the
     * inbox on left has any; other groups, and every webhook once the journal is drained, pass at once. Past
     * {@code leftOverHolds} webhooks held at once, one more is refused at once.
     */
    private void awaitLeftOvers(String group) throws InterruptedException {
        if (!waitingPerGroup.containsKey(group)) {
            return;
        }
        if (!leftOverHolds.tryAcquire()) {
            throw new UnavailableException("Too many webhooks already wait for earlier events of theirs still being "
                    + "forwarded to their queues; ask again", ASK_AGAIN_AFTER);
        }
        try {
            long deadline = System.nanoTime() + leftOverWait.toNanos();
            synchronized (leftOverForwarded) {
                while (waitingPerGroup.containsKey(group)) {
                    if (!running) {
                        throw closed();
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new UnavailableException("An earlier event this one must follow is still being "
                                + "forwarded to its queue; ask again", ASK_AGAIN_AFTER);
                    }
                    TimeUnit.NANOSECONDS.timedWait(leftOverForwarded, left);
                }
            }
        } finally {
            leftOverHolds.release();
        }
    }

    /**
     * The journal's write buffer: Artemis's default (490 KB), or the largest body and {@link #RECORD_HEADROOM} when
     * that is more; at most half a journal file.
     */
    static int journalBufferSize(long largestBody) {
        long wanted = Math.max(org.apache.activemq.artemis.ArtemisConstants.DEFAULT_JOURNAL_BUFFER_SIZE_NIO,
                largestBody + RECORD_HEADROOM);
        return (int) Math.min(FILE_SIZE / 2, wanted);
    }

    /** The most bytes one event's record may have: what the journal's write buffer holds whole. */
    int largestRecord() {
        return journalBufferSize - RECORD_OVERHEAD;
    }

    private void append(byte[] bytes, String group) throws Exception {
        journalUse.readLock().lock();
        try {
            JournalImpl open = journal;
            if (!running || open == null) {
                throw closed();
            }
            long id = ids.incrementAndGet();
            // counted before the append, so a later event of the group sees this one waiting
            if (group != null) {
                waitingPerGroup.merge(group, 1, Integer::sum);
            }
            try {
                open.appendAddRecord(id, EVENT_RECORD, bytes, true); // returns after the sync
            } catch (Exception | Error notStored) {
                forgetGroup(group);
                throw notStored;
            }
            hold(id, bytes, group);
        } finally {
            journalUse.readLock().unlock();
        }
    }

    /**
     * Keeps a journalled event for the forwarder: as it is, or deflated once a quarter of the inbox's memory is
     * taken (a backlog; the few events a steady rate keeps waiting are not worth the deflating).
     */
    private void hold(long id, byte[] record, String group) {
        byte[] packed = waitingBytes.get() >= packAbove ? packer.pack(record) : null;
        byte[] held = packed == null ? record : packed;
        waitingBytes.addAndGet(held.length);
        waitingCount.incrementAndGet();
        waiting.add(new Waiting(id, held, record.length, packed != null, group, System.nanoTime()));
    }

    /** The event's record as the journal holds it (the forwarder's thread). */
    private byte[] recordOf(Waiting event) {
        return event.packed() ? packer.unpack(event.held(), event.length()) : event.held();
    }

    private void sendNow(Exchange exchange, String queueUri) throws Exception {
        ExchangePattern pattern = exchange.getPattern();
        exchange.setPattern(ExchangePattern.InOnly);
        try {
            template.send(queueUri, exchange);
        } finally {
            exchange.setPattern(pattern);
        }
        Exception failed = exchange.getException();
        if (failed != null) {
            exchange.setException(null);
            throw failed;
        }
    }

    /** Events in the inbox not yet in their queue. */
    public int waiting() {
        return waitingCount.get();
    }

    public long waitingBytes() {
        return waitingBytes.get();
    }

    /** False while the last forward failed (the broker refused or was unreachable); the events wait meanwhile. */
    public boolean forwarding() {
        return forwarding;
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * How long the oldest event not yet in its queue has waited; zero when none waits. It grows while the forwarder
     * cannot forward, also when no send fails: a broker whose disk is past its max-disk-usage (90% by default)
     * blocks the send without an error, and {@link #forwarding()} stays true.
     */
    public Duration oldestWaiting() {
        long since = forwardingSince;
        if (since == NONE) {
            Waiting head = waiting.peek();
            if (head == null) {
                return Duration.ZERO;
            }
            since = head.since();
        }
        return Duration.ofNanos(Math.max(0, System.nanoTime() - since));
    }

    private void forwardUntilStopped() {
        List<Waiting> batch = new ArrayList<>(policy.batch());
        while (running) {
            Waiting next;
            try {
                next = waiting.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException stopping) {
                return;
            }
            if (next == null) {
                continue;
            }
            if (batch.isEmpty()) {
                forwardingSince = next.since();
            }
            batch.add(next);
            if (!inBurst()) {
                // let more come: one transaction for them all. parkNanos may return at once (a permit the queue's
                // wake-up of this thread left behind), so the linger is waited out to its end
                long linger = policy.linger().toNanos();
                long until = System.nanoTime() + linger;
                for (long left = linger; left > 0 && waiting.size() < policy.batch() - 1;
                     left = until - System.nanoTime()) {
                    LockSupport.parkNanos(left);
                }
                waiting.drainTo(batch, policy.batch() - 1); // those that came meanwhile go in the same transaction
            }
            try {
                if (!forward(batch)) {
                    return;
                }
            } catch (RuntimeException | Error unexpected) {
                // a record that cannot be read, an OutOfMemoryError: the events stay in the journal and the batch is
                // tried again; the thread must not end, or they would wait unseen until the next start
                log.error("Webhook inbox: forwarding {} events failed unexpectedly ({}); trying again in {}",
                        batch.size(), unexpected.getClass().getName(), retryDelay);
                forwarding = false;
                try {
                    Thread.sleep(retryDelay.toMillis());
                } catch (InterruptedException stopping) {
                    return;
                }
                continue;
            }
            batch.clear();
            forwardingSince = NONE;
            if (!enabled && waitingCount.get() == 0) { // an inbox that is off only had events left over to forward
                closeJournal();
                removeJournalFiles();
                log.info("Webhook inbox (off): the events left in its journal are in their queues; journal closed and "
                        + "its files removed");
                return;
            }
        }
    }

    /** Whether webhooks came at the burst rate or faster over the last 100 ms or so (measured at most that often). */
    private boolean inBurst() {
        long now = System.nanoTime();
        long elapsed = now - windowStart;
        if (elapsed >= 100_000_000L) {
            long count = ids.get();
            burst = (count - windowAppended) * 1e9 / elapsed >= policy.burstRate();
            windowStart = now;
            windowAppended = count;
        }
        return burst || policy.burstRate() == 0;
    }

    /**
     * Sends the events to their queues in one transaction, retrying until it commits; false when the hub stops
     * first.
     */
    private boolean forward(List<Waiting> batch) {
        List<InboxRecord.Queued> records = batch.stream().map(next -> InboxRecord.queued(recordOf(next))).toList();
        while (running) {
            ForwardFailed failed = null;
            try {
                transactions.executeWithoutResult(transaction -> records.forEach(this::send));
            } catch (ForwardFailed e) {
                failed = e;
            } catch (RuntimeException e) { // the commit
                failed = new ForwardFailed(records.get(0).queueUri(), e);
            }
            if (failed == null) {
                batch.forEach(this::delete);
                if (!forwarding) {
                    log.info("Webhook inbox forwards again");
                    forwarding = true;
                }
                return true;
            }
            if (camel.getStatus().isStopping() || camel.getStatus().isStopped()) {
                return false; // the hub is stopping: the events wait in the journal for the next start
            }
            if (forwarding) {
                // the exception's type only: a broker's message may carry connection details
                log.warn("Webhook inbox cannot forward to {} ({}); {} events wait, retrying every {}",
                        failed.queueUri, failed.getCause().getClass().getSimpleName(), waiting(), retryDelay);
                forwarding = false;
            }
            try {
                Thread.sleep(retryDelay.toMillis());
            } catch (InterruptedException stopping) {
                break;
            }
        }
        return false; // still in the journal: forwarded after the next start
    }

    /**
     * One send of a forward; a failure ends the transaction, which rolls back the batch's earlier sends. The body goes
     * as the UTF-8 bytes the journal holds: Camel's JMS binding makes a byte[] a BytesMessage (see
     * {@link InboxRecord.Queued}); the consumers take a TextMessage as well (queued before, or by hand).
     */
    private void send(InboxRecord.Queued record) {
        Exchange sent = template.send(record.queueUri(), ExchangePattern.InOnly, exchange -> {
            // Camel copies a map not of its own kind into its headers map: the record's stays as it was for a retry
            exchange.getMessage().setHeaders(record.headers());
            exchange.getMessage().setBody(record.body());
        });
        if (sent.getException() != null) {
            throw new ForwardFailed(record.queueUri(), sent.getException());
        }
    }

    private static final class ForwardFailed extends RuntimeException {
        private final String queueUri;

        ForwardFailed(String queueUri, Throwable cause) {
            super(cause.getClass().getSimpleName(), cause, false, false);
            this.queueUri = queueUri;
        }
    }

    private void delete(Waiting forwarded) {
        waitingBytes.addAndGet(-forwarded.held().length);
        waitingCount.decrementAndGet();
        forgetGroup(forwarded.orderGroup());
        try {
            // not synced: a delete lost in a crash forwards the event again, and the repeat is dropped downstream
            journal.appendDeleteRecord(forwarded.id(), false);
        } catch (Exception e) {
            log.warn("Webhook inbox could not delete a forwarded event: {}", e.toString());
        }
    }

    private void forgetGroup(String group) {
        if (group != null) {
            waitingPerGroup.computeIfPresent(group, (key, count) -> count == 1 ? null : count - 1);
            if (!enabled) { // a webhook of the group may wait for this one (awaitLeftOvers); with the inbox on none does
                wakeHeldWebhooks();
            }
        }
    }

    private void wakeHeldWebhooks() {
        synchronized (leftOverForwarded) {
            leftOverForwarded.notifyAll();
        }
    }

    @Override
    public void start() {
        // off, it still forwards what a run with it on left in its journal (a restart with it turned off, or in the
        // scale-out profile on the same disk): those events were acknowledged, and nothing else would ever send them
        boolean leftOver = !enabled && holdsJournal();
        if (enabled || leftOver) {
            openJournal();
        }
        running = true;
        if (leftOver) {
            if (waitingCount.get() == 0) { // a run with it on forwarded all before it stopped: nothing to keep
                closeJournal();
                removeJournalFiles();
                return;
            }
            log.warn("Webhook inbox is off, but its journal in {} holds {} events acknowledged before this start: "
                    + "forwarding them to their queues once Camel has started, then closing it", directory, waiting());
        }
        if (enabled || leftOver) {
            // the forwarder sends through Camel's JMS endpoints: it starts once Camel has
            try {
                camel.addStartupListener(new StartupListener() {
                    @Override
                    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                        if (alreadyStarted) { // then the call below does not come
                            startForwarder();
                        }
                    }

                    @Override
                    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                        startForwarder();
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException("Webhook inbox could not wait for Camel's start", e);
            }
        }
    }

    /**
     * Removes the journal's files from its directory, once an inbox that is off has closed a journal with nothing left
     * in it. With the inbox on they stay: Artemis reuses them for the next appends.
     */
    private void removeJournalFiles() {
        File[] files = directory.listFiles((dir, name) -> name.startsWith(JOURNAL_PREFIX + "-")
                || name.equals(JOURNAL_COMPACT_CONTROL));
        for (File file : files == null ? new File[0] : files) {
            if (!file.delete() && file.exists()) {
                log.warn("Webhook inbox (off): could not remove {} from its drained journal", file.getName());
            }
        }
    }

    /** Whether the directory holds journal files (a run with the inbox on made them; they may hold no event). */
    private boolean holdsJournal() {
        String[] files = directory.list((dir, name) -> name.endsWith("." + JOURNAL_EXTENSION));
        return files != null && files.length > 0;
    }

    private void openJournal() {
        try {
            if (!directory.isDirectory() && !directory.mkdirs()) {
                throw new IllegalStateException("Cannot create the webhook inbox directory " + directory);
            }
            NIOSequentialFileFactory files = new NIOSequentialFileFactory(directory, true,
                    journalBufferSize, flushNanos, 1, false);
            CustomizableThreadFactory ioThreadFactory = new CustomizableThreadFactory("webhook-inbox-io-");
            ioThreadFactory.setDaemon(true);
            journalThreads = new ThreadPoolExecutor(IO_THREADS, IO_THREADS, 60, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), ioThreadFactory);
            journalThreads.allowCoreThreadTimeOut(true); // none kept while the inbox is idle
            JournalImpl opened = new JournalImpl(new OrderedExecutorFactory(journalThreads), FILE_SIZE, 2, 10, 10,
                    30, files, JOURNAL_PREFIX, JOURNAL_EXTENSION, 1, 0);
            opened.start();
            List<RecordInfo> records = new ArrayList<>();
            JournalLoadInformation loaded = opened.load(records, new ArrayList<PreparedTransactionInfo>(), null, false);
            // new ids go on from the highest the files hold: the journal keeps a forwarded record's delete until its
            // file is reclaimed, and at the next load that delete drops any record with the same id, so one that
            // reused it (an event acknowledged after a clean restart) was lost. getMaxID counts the added records,
            // deleted or not, but no delete: enough, as a file is reclaimed only once deletes outside the current
            // file cover its records, and the file holding those was filled by later events, whose records it keeps
            ids.set(Math.max(0, loaded.getMaxID()));
            records.sort(Comparator.comparingLong(record -> record.id));
            for (RecordInfo record : records) {
                // only its order group is read: its body is not decoded
                String group = InboxRecord.queued(record.data).orderGroup();
                if (group != null) {
                    waitingPerGroup.merge(group, 1, Integer::sum);
                }
                hold(record.id, record.data, group);
            }
            journal = opened;
            windowAppended = ids.get(); // what the last run appended is no burst (the forwarder starts after this)
            if (!records.isEmpty() && enabled) { // off, start() warns
                log.info("Webhook inbox: {} events from before the start to forward", records.size());
            }
        } catch (Exception e) {
            throw new IllegalStateException("Webhook inbox could not open its journal in " + directory, e);
        }
    }

    private synchronized void startForwarder() {
        if (forwarder == null && running) {
            Thread thread = new Thread(this::forwardUntilStopped, "webhook-inbox-forwarder");
            thread.setPriority(forwarderPriority);
            thread.setDaemon(true);
            forwarder = thread;
            thread.start();
        }
    }

    @Override
    public void stop() {
        running = false;
        wakeHeldWebhooks(); // webhooks held behind left-over events: refused, the left-overs wait for the next start
        Thread thread = forwarder;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeJournal();
    }

    /**
     * Closes the journal if {@link #stop()} did not (a second call does nothing). Why: when the start fails after this
     * bean started (Camel's context failing to start: a route file that does not parse, a placeholder no property
     * fills), Spring destroys the beans without stopping them, and the journal's timed buffer thread, which is not a
     * daemon, kept the JVM up serving nothing after "Application run failed".
     */
    @Override
    public void destroy() {
        stop();
    }

    private synchronized void closeJournal() {
        journalUse.writeLock().lock(); // after the appends under way; later ones find it closed
        try {
            if (journal != null) {
                try {
                    journal.stop();
                } catch (Exception e) {
                    log.warn("Webhook inbox journal did not stop cleanly: {}", e.toString());
                }
                journal = null;
            }
        } finally {
            journalUse.writeLock().unlock();
        }
        if (journalThreads != null) {
            journalThreads.shutdown(); // the journal leaves a pool it was given to its owner
        }
    }

    /** Events the forwarder has not taken up yet (a test's view: those it holds in a batch are not counted). */
    int notYetTaken() {
        return waiting.size();
    }

    /** The most threads the journal's work ran on at once since the start. */
    int largestJournalThreads() {
        return journalThreads == null ? 0 : journalThreads.getLargestPoolSize();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Opened before the web server takes requests, closed after it stops taking them. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }
}
