package io.connectify.hub.calendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A burst of change notifications: one re-check at a time, and one more for all that came during a run. */
class CoalescingRunTest {

    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void requestsDuringARunMakeExactlyOneMoreRunAndRunsNeverOverlap() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        CoalescingRun run = new CoalescingRun("test", executor, () -> {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            firstStarted.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            done.incrementAndGet();
        });

        run.request();
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 50; i++) {
            run.request(); // while the first run is under way
        }
        release.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 2);
        assertThat(run.requests()).isEqualTo(51);
        assertThat(run.runs()).isEqualTo(2);
        assertThat(mostAtOnce.get()).isEqualTo(1);

        run.request(); // idle again: a new request runs again
        await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 3);
        assertThat(run.runs()).isEqualTo(3);
    }

    @Test
    void aFailedRunLeavesTheNextRequestRunning() {
        AtomicInteger calls = new AtomicInteger();
        CoalescingRun run = new CoalescingRun("test", executor, () -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("Google down");
            }
        });

        run.request();
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 1 && run.runs() == 1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            run.request();
            assertThat(calls.get()).isGreaterThanOrEqualTo(2);
        });
    }
}
