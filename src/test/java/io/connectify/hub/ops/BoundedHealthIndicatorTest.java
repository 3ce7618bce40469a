package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/** A health check that hangs (the broker's, waiting for the shared connection) is DOWN after the bound, not later. */
class BoundedHealthIndicatorTest {

    @Test
    void aCheckThatHangsIsDownWithinTheBoundAndIsNotStartedTwice() throws Exception {
        CountDownLatch released = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        BoundedHealthIndicator bounded = new BoundedHealthIndicator(() -> {
            started.incrementAndGet();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Health.up().build();
        }, Duration.ofMillis(300), "broker");
        try {
            long before = System.nanoTime();
            Health first = bounded.health();
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(5));
            assertThat(first.getStatus()).isEqualTo(Status.DOWN);
            assertThat(first.getDetails()).containsEntry("error", "the broker did not answer within 300 ms");
            assertThat(bounded.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(started).as("the check still running is waited for again, not started twice").hasValue(1);

            released.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> bounded.health().getStatus().equals(Status.UP));
        } finally {
            bounded.destroy();
        }
    }

    @Test
    void aCheckThatFailsIsDownWithItsError() {
        BoundedHealthIndicator bounded = new BoundedHealthIndicator(() -> {
            throw new IllegalStateException("Failed to create session factory");
        }, Duration.ofSeconds(5), "broker");
        try {
            Health health = bounded.health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().get("error").toString()).contains("Failed to create session factory");
        } finally {
            bounded.destroy();
        }
    }
}
