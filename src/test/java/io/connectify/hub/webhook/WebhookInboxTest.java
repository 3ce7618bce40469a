package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.connectify.hub.resilience.UnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.transaction.support.TransactionOperations;

/**
 * The webhook inbox on its own: a Camel context whose "queue" is a route that records what reaches it (the JMS
 * side is covered by the webhook tests, which run through the inbox too).
 */
class WebhookInboxTest {

    private static final String QUEUE = "direct:queue";
    /** The default of connectify.webhooks.max-body-bytes. */
    private static final int LARGEST_BODY = 512 * 1024;
    /** How long a new event waits behind its payment's left-over one: long beside a forward, short for a test. */
    private static final Duration LEFT_OVER_WAIT = Duration.ofSeconds(3);
    /** Webhooks held behind left-over events at once: here one, so a second is refused. */
    private static final int LEFT_OVER_HOLDS = 1;

    @TempDir
    Path directory;

    @TempDir
    Path copies;

    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<Object> receivedAmounts = new CopyOnWriteArrayList<>();
    private final List<String> receivedBodies = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger refusals = new AtomicInteger();
    private final List<CamelContext> contexts = new CopyOnWriteArrayList<>();
    private final List<WebhookInbox> inboxes = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        inboxes.forEach(WebhookInbox::stop);
        contexts.forEach(CamelContext::stop);
    }

    @Test
    void eventsAcknowledgedBeforeACrashAreForwardedAfterTheNextStartInOrder() throws Exception {
        // the first hub's Camel never starts, so its forwarder never runs: the events stay in the journal
        WebhookInbox first = inbox(camel(false), directory, Long.MAX_VALUE);
        for (int i = 1; i <= 3; i++) {
            first.enqueue(event("evt_" + i, "booking-" + i, 1000L * i), QUEUE);
        }
        assertThat(first.waiting()).isEqualTo(3);
        // the journal's files as a crash right after the third answer leaves them: copied, the first inbox not closed
        Path crashed = copyOf(directory);
        assertThat(received).isEmpty();

        WebhookInbox second = inbox(camel(true), crashed, Long.MAX_VALUE);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(received).containsExactly("evt_1", "evt_2", "evt_3"));
        assertThat(receivedAmounts).containsExactly(1000L, 2000L, 3000L);
        assertThat(receivedBodies).containsExactly(body("evt_1"), body("evt_2"), body("evt_3"));
        await().atMost(Duration.ofSeconds(10)).until(() -> second.waiting() == 0);
        second.stop();

        // forwarded events were deleted from the journal: a third start forwards nothing again
        WebhookInbox third = inbox(camel(true), crashed, Long.MAX_VALUE);
        assertThat(third.waiting()).isZero();
        assertThat(received).hasSize(3);
    }

    /**
     * An event whose body is as large as the webhooks' limit allows (a Stripe dispute's, with the most evidence Stripe
     * allows, 150,000 characters, here 3 bytes each in UTF-8, and the rest of the event) is kept in the journal and
     * forwarded whole, also after a crash. Before, the journal's write buffer (Artemis's default, 490 KB) refused it
     * ("Can't write records bigger than the bufferSize"), and the webhook was answered 500.
     */
    @Test
    void anEventWithABodyAsLargeAsTheWebhooksLimitIsKeptWholeAcrossACrash() throws Exception {
        WebhookInbox first = inbox(camel(false), directory, Long.MAX_VALUE);
        Exchange large = event("evt_dispute", "payment:pi_1", 9000L);
        String evidence = "{\"id\":\"evt_dispute\",\"evidence\":\"" + "\u20ac".repeat(150_000) + "\"";
        String body = evidence + " ".repeat(LARGEST_BODY - 1 - evidence.getBytes(StandardCharsets.UTF_8).length) + "}";
        large.getMessage().setBody(body);
        assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(LARGEST_BODY);

        first.enqueue(large, QUEUE);

        assertThat(first.waiting()).isEqualTo(1);
        Path crashed = copyOf(directory);
        inbox(camel(true), crashed, Long.MAX_VALUE);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(received).containsExactly("evt_dispute"));
        assertThat(receivedBodies).containsExactly(body);
    }

    /** An event larger than the journal takes (never a body within the webhooks' limit) goes to its queue directly. */
    @Test
    void anEventLargerThanTheJournalTakesGoesToItsQueueDirectly() throws Exception {
        WebhookInbox inbox = inbox(camel(true), Long.MAX_VALUE);
        Exchange huge = event("evt_huge", "payment:pi_2", 9000L);
        huge.getMessage().setBody("x".repeat(inbox.largestRecord() + 1));

        inbox.enqueue(huge, QUEUE);

        assertThat(received).containsExactly("evt_huge"); // sent before enqueue returned
        assertThat(inbox.waiting()).isZero();
        assertThat(WebhookInbox.journalBufferSize(LARGEST_BODY)).isGreaterThan(LARGEST_BODY);
        assertThat(WebhookInbox.journalBufferSize(1024))
                .isEqualTo(org.apache.activemq.artemis.ArtemisConstants.DEFAULT_JOURNAL_BUFFER_SIZE_NIO);
    }

    @Test
    void eventsLeftInTheInboxAreForwardedByAStartWithTheInboxOff() throws Exception {
        // a run with the inbox on acknowledges two events, then stops before forwarding them (its Camel never started)
        WebhookInbox on = inbox(camel(false), directory, Long.MAX_VALUE);
        on.enqueue(event("evt_1", "booking-1", 1000L), QUEUE);
        on.enqueue(event("evt_2", "booking-2", 2000L), QUEUE);
        on.stop();
        assertThat(received).isEmpty();

        // the next run has it off (CONNECTIFY_WEBHOOKS_INBOX_ENABLED=false, or the scale-out profile) on the same disk
        List<Integer> batches = new CopyOnWriteArrayList<>();
        WebhookInbox off = disabledInbox(camel(true), counting(batches));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(received).containsExactly("evt_1", "evt_2"));
        assertThat(receivedAmounts).containsExactly(1000L, 2000L);
        assertThat(receivedBodies).containsExactly(body("evt_1"), body("evt_2"));
        assertThat(batches).containsExactly(2); // in one transaction, as the forwarder of an inbox that is on sends
        await().atMost(Duration.ofSeconds(10)).until(() -> off.waiting() == 0);
        // a webhook now goes straight to its queue, never into the journal
        off.enqueue(event("evt_3", "booking-3", 3000L), QUEUE);
        assertThat(received).containsExactly("evt_1", "evt_2", "evt_3");
        off.stop();

        // the journal is empty: a second start with the inbox off, and one with it on, forward nothing again
        WebhookInbox again = disabledInbox(camel(true), TransactionOperations.withoutTransaction());
        assertThat(again.waiting()).isZero();
        again.stop();
        assertThat(inbox(camel(false), directory, Long.MAX_VALUE).waiting()).isZero();
        assertThat(received).hasSize(3);
    }

    /**
     * A start with the inbox off takes webhooks while it still forwards what a run with it on left: a new event of a
     * payment whose left-over event still waits is sent after it (its request held meanwhile), so the payment's
     * events reach the queue, and their message group's consumer, in the order they came. Another payment's goes
     * straight to its queue. Before, the new one went straight to the queue, ahead of the left-over
     * (payment_intent.succeeded left over, the new charge.refunded of its payment processed first).
     */
    @Test
    void aStartWithTheInboxOffSendsANewEventOfAPaymentAfterItsLeftOverOne() throws Exception {
        WebhookInbox off = offWithALeftOverBeingForwarded();
        off.enqueue(event("evt_other", "payment:pi_2", 3000L), QUEUE);
        assertThat(received).containsExactly("evt_other"); // another payment's: not held

        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread request = new Thread(() -> enqueueOrKeep(off, event("evt_new", "payment:pi_1", 2000L), failures));
        request.start();
        // held behind the left-over (old code: already sent, the thread ended)
        await().atMost(Duration.ofSeconds(10)).until(() ->
                request.getState() == Thread.State.TIMED_WAITING || !request.isAlive());
        release.countDown();
        request.join(10_000);
        assertThat(failures).isEmpty();
        assertThat(received).containsExactly("evt_other", "evt_left", "evt_new");
    }

    /**
     * A new event of a payment whose left-over event cannot be forwarded in time is not sent ahead of it: the request
     * is refused as unavailable (503, the provider delivers it again), the left-over still waits.
     */
    @Test
    void aNewEventWhoseLeftOverIsNotForwardedInTimeIsRefusedAsUnavailable() throws Exception {
        WebhookInbox off = offWithALeftOverBeingForwarded();

        assertThatThrownBy(() -> off.enqueue(event("evt_new", "payment:pi_1", 2000L), QUEUE))
                .isInstanceOfSatisfying(UnavailableException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.type()).isEqualTo("unavailable");
                    assertThat(e.retryAfter()).isPositive();
                });
        assertThat(received).isEmpty();
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(received).containsExactly("evt_left"));
    }

    /**
     * With the inbox off, webhooks held behind left-over events hold request threads: past the limit of them held at
     * once (here one), another of a waiting payment is refused at once as unavailable, where it was held for the whole
     * wait too (a backlog's follow-up events took every request thread, and the API stalled with them).
     */
    @Test
    void aWebhookPastTheLimitOfThoseHeldBehindLeftOversIsRefusedAtOnce() throws Exception {
        WebhookInbox off = offWithALeftOverBeingForwarded();

        List<Throwable> firstFailures = new CopyOnWriteArrayList<>();
        Thread first = new Thread(() -> enqueueOrKeep(off, event("evt_held", "payment:pi_1", 2000L), firstFailures));
        first.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> first.getState() == Thread.State.TIMED_WAITING);
        List<Throwable> secondFailures = new CopyOnWriteArrayList<>();
        Thread second = new Thread(() -> enqueueOrKeep(off, event("evt_refused", "payment:pi_1", 3000L),
                secondFailures));
        second.start();
        // refused, not held (old code: held as well, then sent once the left-over was forwarded)
        await().atMost(Duration.ofSeconds(10)).until(() ->
                second.getState() == Thread.State.TIMED_WAITING || !second.isAlive());
        release.countDown();
        first.join(10_000);
        second.join(10_000);

        assertThat(firstFailures).isEmpty();
        assertThat(secondFailures).singleElement().isInstanceOfSatisfying(UnavailableException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.retryAfter()).isPositive();
        });
        assertThat(received).containsExactly("evt_left", "evt_held");
    }

    /**
     * An inbox that is off, started on the journal a run with it on left with payment pi_1's evt_left in it, which it is
     * forwarding: its forward (to direct:slow) waits for {@code release}.
     */
    private WebhookInbox offWithALeftOverBeingForwarded() throws Exception {
        WebhookInbox on = inbox(camel(false), directory, Long.MAX_VALUE);
        on.enqueue(event("evt_left", "payment:pi_1", 1000L), "direct:slow");
        on.stop();
        WebhookInbox off = disabledInbox(camel(true), TransactionOperations.withoutTransaction());
        await().atMost(Duration.ofSeconds(10)).until(() -> off.notYetTaken() == 0); // being forwarded
        return off;
    }

    private static void enqueueOrKeep(WebhookInbox inbox, Exchange event, List<Throwable> failures) {
        try {
            inbox.enqueue(event, QUEUE);
        } catch (Throwable e) {
            failures.add(e);
        }
    }

    /**
     * Once a start with the inbox off has forwarded what was left in the journal, the journal's files are gone (with
     * the inbox on, Artemis keeps them for the next appends). Before, its two preallocated 10 MB files stayed for
     * ever, and every later start opened and read them again.
     */
    @Test
    void aStartWithTheInboxOffRemovesTheJournalFilesOnceItsEventsAreForwarded() throws Exception {
        WebhookInbox on = inbox(camel(false), directory, Long.MAX_VALUE);
        on.enqueue(event("evt_1", "booking-1", 1000L), QUEUE);
        on.stop();
        assertThat(journalFiles(directory)).isNotEmpty();

        WebhookInbox off = disabledInbox(camel(true), TransactionOperations.withoutTransaction());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(received).containsExactly("evt_1"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(journalFiles(directory)).isEmpty());
        off.stop();

        // a journal that holds nothing (a run with the inbox on that forwarded all, then stopped): removed at the start
        WebhookInbox drained = inbox(camel(true), directory, Long.MAX_VALUE);
        drained.enqueue(event("evt_2", "booking-2", 2000L), QUEUE);
        await().atMost(Duration.ofSeconds(10)).until(() -> drained.waiting() == 0);
        drained.stop();
        assertThat(journalFiles(directory)).isNotEmpty();
        WebhookInbox offAgain = disabledInbox(camel(true), TransactionOperations.withoutTransaction());
        assertThat(offAgain.waiting()).isZero();
        assertThat(journalFiles(directory)).isEmpty();
        assertThat(received).containsExactly("evt_1", "evt_2");
    }

    /**
     * An event that reaches the inbox once it is closed (a webhook racing the hub's stop) is refused as unavailable,
     * 503 for the provider to deliver again. Before, an IllegalStateException (500, logged as unexpected), or a
     * NullPointerException when the journal closed between the check and the append.
     */
    @Test
    void anEventAfterTheInboxClosedIsRefusedAsUnavailable() throws Exception {
        WebhookInbox inbox = inbox(camel(true), Long.MAX_VALUE);
        inbox.stop();

        assertThatThrownBy(() -> inbox.enqueue(event("evt_late", "booking-1", 1L), QUEUE))
                .isInstanceOfSatisfying(UnavailableException.class, e -> assertThat(e.status()).isEqualTo(503));
        assertThat(received).isEmpty();
    }

    @Test
    void anEventAcknowledgedAfterACleanRestartSurvivesTheNextCrash() throws Exception {
        // a first run forwards its events and deletes them, then stops cleanly: its records stay in the journal's file
        WebhookInbox first = inbox(camel(true), directory, Long.MAX_VALUE);
        for (int i = 1; i <= 3; i++) {
            first.enqueue(event("evt_" + i, "booking-" + i, 1000L * i), QUEUE);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> first.waiting() == 0);
        first.stop();

        // the next run acknowledges an event, then crashes before forwarding it
        WebhookInbox second = inbox(camel(false), directory, Long.MAX_VALUE);
        second.enqueue(event("evt_4", "booking-4", 4000L), QUEUE);
        Path crashed = copyOf(directory);

        // its Camel started only once the load is checked: a started one's forwarder may take the event at once, and
        // did under load (waiting 0, the event already in its queue)
        CamelContext restarted = camel(false);
        WebhookInbox third = inbox(restarted, crashed, Long.MAX_VALUE);
        assertThat(third.waiting()).isEqualTo(1); // not taken for one of the first run's deleted records
        restarted.start();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(received).containsExactly("evt_1", "evt_2", "evt_3", "evt_4"));
        assertThat(receivedAmounts).containsExactly(1000L, 2000L, 3000L, 4000L);
    }

    @Test
    void howLongTheOldestEventHasWaitedGrowsWhileItsForwardIsHeldUpWithoutAnyError() throws Exception {
        WebhookInbox inbox = inbox(camel(true), Long.MAX_VALUE);
        assertThat(inbox.oldestWaiting()).isZero();

        // a queue that takes its time, as a broker blocking producers (its disk past max-disk-usage) does
        inbox.enqueue(event("evt_held", "booking-held", 1000L), "direct:slow");
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox.oldestWaiting().compareTo(Duration.ofMillis(300)) > 0);
        assertThat(inbox.forwarding()).isTrue(); // nothing failed: only the age shows it

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(received).containsExactly("evt_held"));
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox.oldestWaiting().isZero());
    }

    /** The transactions as the forwarder opens them: how many events each sent, added to {@code batches}. */
    private TransactionOperations counting(List<Integer> batches) {
        return new TransactionOperations() {
            @Override
            public <T> T execute(org.springframework.transaction.support.TransactionCallback<T> action) {
                int before = received.size();
                T result = action.doInTransaction(null);
                batches.add(received.size() - before);
                return result;
            }
        };
    }

    @Test
    void waitingEventsAreForwardedInBatchesOfAtMostForwardBatchAndOneAtATimeDuringABurst() throws Exception {
        List<Integer> batches = new CopyOnWriteArrayList<>();
        TransactionOperations counting = counting(batches);
        // no burst (a rate never reached): seven waiting events in batches of at most three (forwardBatch)
        CamelContext quiet = camel(false);
        inbox(quiet, directory, Long.MAX_VALUE, counting, Integer.MAX_VALUE);
        for (int i = 1; i <= 7; i++) {
            inboxes.get(0).enqueue(event("evt_q" + i, "booking-" + i, i), QUEUE);
        }
        quiet.start(); // the forwarder starts with all seven waiting
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 7);
        assertThat(batches).containsExactly(3, 3, 1);

        // a burst (rate 0: always): one event per transaction, in order
        received.clear();
        batches.clear();
        CamelContext busy = camel(false);
        inbox(busy, copies, Long.MAX_VALUE, counting, 0);
        for (int i = 1; i <= 4; i++) {
            inboxes.get(1).enqueue(event("evt_b" + i, "booking-" + i, i), QUEUE);
        }
        busy.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 4);
        assertThat(batches).containsExactly(1, 1, 1, 1);
        assertThat(received).containsExactly("evt_b1", "evt_b2", "evt_b3", "evt_b4");
    }

    @Test
    void eventsThatComeWhileTheForwarderLingersJoinItsTransaction() throws Exception {
        List<Integer> batches = new CopyOnWriteArrayList<>();
        // a linger far longer than the two appends and the wait for the forwarder take, however slow the machine
        WebhookInbox inbox = inbox(camel(true), directory, Long.MAX_VALUE, counting(batches),
                new WebhookInbox.ForwardPolicy(10, Integer.MAX_VALUE, Duration.ofSeconds(5)));
        inbox.enqueue(event("evt_l1", "booking-1", 1L), QUEUE);
        // the forwarder has taken the first event and lingers; the next two come one after the other meanwhile
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox.notYetTaken() == 0);
        inbox.enqueue(event("evt_l2", "booking-2", 2L), QUEUE);
        inbox.enqueue(event("evt_l3", "booking-3", 3L), QUEUE);
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 3);
        assertThat(batches).containsExactly(3); // without the linger the first would have gone alone
        assertThat(received).containsExactly("evt_l1", "evt_l2", "evt_l3");
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox.waiting() == 0);
    }

    @Test
    void aBurstOfConcurrentRequestsAppendsOnAtMostThreeJournalThreads() throws Exception {
        WebhookInbox inbox = inbox(camel(false), Long.MAX_VALUE); // not forwarding: every event stays waiting
        int requests = 32;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> senders = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int r = 0; r < requests; r++) {
            int request = r;
            Thread sender = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < 10; i++) {
                        inbox.enqueue(event("evt_" + request + "_" + i, "booking-" + request, i), QUEUE);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            sender.start();
            senders.add(sender);
        }
        go.countDown();
        for (Thread sender : senders) {
            sender.join(30_000);
        }
        assertThat(failures).isEmpty();
        assertThat(inbox.waiting()).isEqualTo(requests * 10);
        assertThat(inbox.largestJournalThreads()).isBetween(1, 3);
        // the journal's own unbounded pool, which it makes when it is given none, was not used
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().contains("ArtemisIOThread"));
    }

    @Test
    void aRefusedForwardIsRetriedUntilTheQueueTakesTheEvent() throws Exception {
        refusals.set(Integer.MAX_VALUE);
        WebhookInbox inbox = inbox(camel(true), Long.MAX_VALUE);
        inbox.enqueue(event("evt_refused", "booking-1", 500L), QUEUE);
        await().atMost(Duration.ofSeconds(5)).until(() -> !inbox.forwarding());
        await().atMost(Duration.ofSeconds(5)).until(() -> refusals.get() < Integer.MAX_VALUE - 3); // tried again
        assertThat(received).isEmpty();
        assertThat(inbox.waiting()).isOne(); // still the inbox's until the queue has it

        refusals.set(0); // the queue takes events again
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(received).containsExactly("evt_refused"));
        await().atMost(Duration.ofSeconds(5)).until(inbox::forwarding);
        assertThat(inbox.waiting()).isZero();
        assertThat(inbox.waitingBytes()).isZero();
    }

    @Test
    void beyondItsMemoryAnEventGoesStraightToItsQueueUnlessItsGroupHasOneWaiting() throws Exception {
        // one byte of memory: the first event fills it; the forward of it hangs until released
        WebhookInbox inbox = inbox(camel(true), 1);
        inbox.enqueue(event("evt_hold", "booking-a", 1L), "direct:slow");
        inbox.enqueue(event("evt_a2", "booking-a", 2L), QUEUE); // its group waits: behind evt_hold
        inbox.enqueue(event("evt_b1", "booking-b", 3L), QUEUE); // no group waiting: straight to the queue
        assertThat(received).containsExactly("evt_b1");
        assertThat(inbox.waiting()).isEqualTo(2);

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(received).containsExactly("evt_b1", "evt_hold", "evt_a2"));
    }

    /**
     * A backlog past a quarter of the inbox's memory is held deflated (the journal keeps each record as it was): 40
     * events the size of a Stripe event, more than twice the memory as they are, all wait in the inbox while its
     * forward is held up, and each reaches its queue whole and in order. Before, the events past the memory went to
     * their queue before their answer, on the request's thread (during a burst: most of them, bench/RESULTS.md).
     */
    @Test
    void aBacklogPastAQuarterOfTheMemoryIsHeldDeflatedAndForwardedWhole() throws Exception {
        int memory = 64 * 1024;
        WebhookInbox inbox = inbox(camel(true), memory);
        inbox.enqueue(event("evt_hold", "booking-hold", 1L), "direct:slow"); // its forward hangs until released
        List<String> bodies = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            Exchange event = event("evt_" + i, "booking-" + i, i);
            event.getMessage().setBody(stripeSizedBody("evt_" + i));
            bodies.add(event.getMessage().getBody(String.class));
            inbox.enqueue(event, QUEUE);
        }
        assertThat(bodies.get(0).getBytes(StandardCharsets.UTF_8).length * 40).isGreaterThan(memory * 2);

        assertThat(received).isEmpty(); // none sent to its queue past the inbox
        assertThat(inbox.waiting()).isEqualTo(41);
        assertThat(inbox.waitingBytes()).isLessThan(memory);

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 41);
        assertThat(received.subList(1, 41))
                .containsExactlyElementsOf(bodies.stream().map(body -> body.substring(11, body.indexOf('"', 11))).toList());
        assertThat(receivedBodies.subList(1, 41)).containsExactlyElementsOf(bodies);
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox.waiting() == 0 && inbox.waitingBytes() == 0);
    }

    /** The journal keeps the records as they came: after a crash with a backlog held deflated, each event is whole. */
    @Test
    void aBacklogHeldDeflatedIsForwardedWholeAfterACrash() throws Exception {
        int memory = 32 * 1024;
        WebhookInbox first = inbox(camel(false), directory, memory); // its Camel never starts: nothing is forwarded
        List<String> bodies = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            Exchange event = event("evt_" + i, "booking-" + i, i);
            event.getMessage().setBody(stripeSizedBody("evt_" + i));
            bodies.add(event.getMessage().getBody(String.class));
            first.enqueue(event, QUEUE);
        }
        assertThat(first.waiting()).isEqualTo(12);
        Path crashed = copyOf(directory);

        inbox(camel(true), crashed, memory);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 12);
        assertThat(receivedBodies).containsExactlyElementsOf(bodies);
    }

    @Test
    void aStraightSendTheQueueRefusesFailsTheRequest() throws Exception {
        refusals.set(1);
        WebhookInbox disabled = disabledInbox(camel(true), TransactionOperations.withoutTransaction());
        assertThatThrownBy(() -> disabled.enqueue(event("evt_x", "booking-x", 1L), QUEUE))
                .hasMessageContaining("refused");
        disabled.enqueue(event("evt_y", "booking-y", 1L), QUEUE);
        assertThat(received).containsExactly("evt_y");
        assertThat(directory.toFile().list()).isEmpty(); // disabled: no journal
    }

    /**
     * The forwarder sleeps the retry delay between tries of a forward the broker refused: a negative one made the
     * sleep throw, the forwarder end and acknowledged webhooks wait in the journal until the next start; 0 (or under
     * a millisecond, slept as 0) spun a core. The start stops, naming the property.
     */
    @Test
    void aRetryDelayUnderAMillisecondStopsTheStart() throws Exception {
        CamelContext camel = camel(false);
        for (Duration delay : List.of(Duration.ofSeconds(-1), Duration.ZERO, Duration.ofNanos(500_000))) {
            assertThatThrownBy(() -> new WebhookInbox(true, directory.toFile(), Duration.ofNanos(500_000),
                    Long.MAX_VALUE, LARGEST_BODY, delay, LEFT_OVER_WAIT, LEFT_OVER_HOLDS,
                    camel.createProducerTemplate(), Thread.NORM_PRIORITY, TransactionOperations.withoutTransaction(),
                    new WebhookInbox.ForwardPolicy(3, Integer.MAX_VALUE, Duration.ZERO)))
                    .as("retry-delay %s", delay)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("connectify.webhooks.inbox.retry-delay must be at least PT0.001S");
        }
    }

    /**
     * A start that fails after the inbox opened its journal (Camel's context failing to start, on the refresh event)
     * leaves no journal thread behind: Spring destroys the beans without stopping them. Before, the journal's timed
     * buffer thread ("activemq-buffer-timeout", no daemon) lived on, and kept the hub's JVM up serving nothing after
     * "Application run failed".
     */
    @Test
    void aStartThatFailsAfterTheInboxOpenedLeavesNoJournalThread() throws Exception {
        CamelContext camel = camel(false);
        Set<Thread> before = journalTimers();
        try (GenericApplicationContext spring = new GenericApplicationContext()) {
            spring.registerBean(WebhookInbox.class, () -> new WebhookInbox(true, directory.toFile(),
                    Duration.ofNanos(500_000), Long.MAX_VALUE, LARGEST_BODY, Duration.ofMillis(20), LEFT_OVER_WAIT,
                    LEFT_OVER_HOLDS, camel.createProducerTemplate(), Thread.NORM_PRIORITY,
                    TransactionOperations.withoutTransaction(),
                    new WebhookInbox.ForwardPolicy(3, Integer.MAX_VALUE, Duration.ZERO)));
            spring.addApplicationListener((ContextRefreshedEvent refreshed) -> {
                // the inbox started in its lifecycle phase, before this event: its journal is open
                assertThat(journalTimers()).hasSizeGreaterThan(before.size());
                throw new IllegalStateException("Camel's context did not start");
            });

            assertThatThrownBy(spring::refresh).hasMessage("Camel's context did not start");
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(journalTimers()).isEqualTo(before));
    }

    /** The live threads of Artemis journals' timed buffers (one per open journal, other tests' included). */
    private static Set<Thread> journalTimers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().equals("activemq-buffer-timeout"))
                .collect(Collectors.toSet());
    }

    @Test
    void theInboxEndpointEnqueuesToTheQueueItNamesAndCountsTheEventOnceItIsDurable() throws Exception {
        CamelContext camel = camel(true);
        WebhookInbox inbox = inbox(camel, Long.MAX_VALUE);
        MeterRegistry meters = new SimpleMeterRegistry();
        camel.addComponent(WebhookInboxComponent.SCHEME, new WebhookInboxComponent(inbox, new WebhookMetrics(meters)));
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:webhook").to(WebhookInboxComponent.SCHEME + ":" + QUEUE);
            }
        });

        Exchange sent = event("evt_1", "booking-1", 1000L);
        sent.getMessage().setHeader(WebhookHeaders.PROVIDER, "stripe");
        camel.createProducerTemplate().send("direct:webhook", sent);

        assertThat(sent.getException()).isNull();
        assertThat(meters.counter("connectify.webhook.enqueued", "provider", "stripe").count()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(received).containsExactly("evt_1"));
        // a URI that names no queue, or gives the queue options (they would be taken as the inbox endpoint's)
        assertThatThrownBy(() -> camel.getEndpoint(WebhookInboxComponent.SCHEME + ":"))
                .isInstanceOf(ResolveEndpointFailedException.class);
        assertThatThrownBy(() -> camel.getEndpoint(WebhookInboxComponent.SCHEME + ":jms:queue:x?transacted=true"))
                .isInstanceOf(ResolveEndpointFailedException.class);
    }

    private WebhookInbox inbox(CamelContext camel, long memory) {
        return inbox(camel, directory, memory);
    }

    private WebhookInbox inbox(CamelContext camel, Path journal, long memory) {
        return inbox(camel, journal, memory, TransactionOperations.withoutTransaction(), Integer.MAX_VALUE);
    }

    private WebhookInbox inbox(CamelContext camel, Path journal, long memory, TransactionOperations transactions,
                               long burstRate) {
        return inbox(camel, journal, memory, transactions, new WebhookInbox.ForwardPolicy(3, burstRate, Duration.ZERO));
    }

    private WebhookInbox inbox(CamelContext camel, Path journal, long memory, TransactionOperations transactions,
                               WebhookInbox.ForwardPolicy policy) {
        WebhookInbox inbox = new WebhookInbox(true, journal.toFile(), Duration.ofNanos(500_000), memory,
                LARGEST_BODY, Duration.ofMillis(20), LEFT_OVER_WAIT, LEFT_OVER_HOLDS, camel.createProducerTemplate(),
                Thread.NORM_PRIORITY, transactions, policy);
        inbox.start();
        inboxes.add(inbox);
        return inbox;
    }

    /** An inbox that is off (every event straight to its queue), on {@code directory}, started. */
    private WebhookInbox disabledInbox(CamelContext camel, TransactionOperations transactions) {
        WebhookInbox inbox = new WebhookInbox(false, directory.toFile(), Duration.ofNanos(500_000), 0,
                LARGEST_BODY, Duration.ofMillis(20), LEFT_OVER_WAIT, LEFT_OVER_HOLDS, camel.createProducerTemplate(),
                Thread.NORM_PRIORITY, transactions, new WebhookInbox.ForwardPolicy(10, Integer.MAX_VALUE, Duration.ZERO));
        inbox.start();
        inboxes.add(inbox);
        return inbox;
    }

    /** The files the inbox's journal keeps in {@code journal} (Artemis's: inbox-1.inbox, ...). */
    private static List<String> journalFiles(Path journal) {
        String[] names = journal.toFile().list();
        return names == null ? List.of() : List.of(names);
    }

    private Path copyOf(Path journal) throws Exception {
        Path copy = Files.createDirectories(copies.resolve("crashed"));
        try (var files = Files.list(journal)) {
            for (Path file : files.toList()) {
                try {
                    Files.copy(file, copy.resolve(file.getFileName()));
                } catch (NoSuchFileException renamed) {
                    // a new journal file the journal's pool was preparing (inbox-<n>.inbox.tmp, renamed once filled):
                    // the crash came before it was ready
                }
            }
        }
        return copy;
    }

    private CamelContext camel(boolean start) throws Exception {
        CamelContext camel = new DefaultCamelContext();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(QUEUE).process(exchange -> {
                    if (refusals.getAndDecrement() > 0) {
                        throw new IllegalStateException("refused by the queue");
                    }
                    received.add(exchange.getMessage().getHeader(WebhookHeaders.EVENT_KEY, String.class));
                    receivedAmounts.add(exchange.getMessage().getHeader(WebhookHeaders.PAID_AMOUNT));
                    receivedBodies.add(exchange.getMessage().getBody(String.class));
                });
                from("direct:slow").process(exchange -> release.await(10, TimeUnit.SECONDS)).to(QUEUE);
            }
        });
        if (start) {
            camel.start();
        }
        contexts.add(camel);
        return camel;
    }

    private Exchange event(String id, String bookingId, long amount) {
        Exchange exchange = new DefaultExchange(contexts.get(0));
        exchange.getMessage().setHeader(WebhookHeaders.EVENT_KEY, id);
        exchange.getMessage().setHeader(WebhookHeaders.ORDER_GROUP, bookingId);
        exchange.getMessage().setHeader(WebhookHeaders.PAID_AMOUNT, amount);
        exchange.getMessage().setBody(body(id));
        return exchange;
    }

    /**
     * A body of about a Stripe event's size and shape (the benchmark's checkout.session.completed: 3.8 KB,
     * pretty-printed), with characters outside ASCII; its id first, as {@code {\n  "id": "evt_..."}.
     */
    private static String stripeSizedBody(String id) {
        StringBuilder body = new StringBuilder("{\n  \"id\": \"").append(id).append("\",\n  \"object\": \"event\",\n");
        body.append("  \"data\": {\n    \"object\": {\n");
        for (int field = 0; field < 95; field++) {
            body.append("      \"field_").append(field).append("\": \"value ").append(field * 7919 % 1000)
                    .append(" gr\u00fc\u00dfe\",\n");
        }
        return body.append("      \"livemode\": false\n    }\n  }\n}").toString();
    }

    /** A body with characters outside ASCII: the journal must keep its text exactly. */
    private static String body(String id) {
        return "{\"id\":\"" + id + "\",\"note\":\"gr\u00fc\u00dfe \u2713\"}";
    }
}
