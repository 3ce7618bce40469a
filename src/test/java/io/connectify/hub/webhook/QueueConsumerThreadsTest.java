package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

/**
 * The queue consumers run on threads of their own at a Java priority below the request threads' (the image's JVM
 * flags turn that into an OS priority: webhooks are acknowledged first under a burst).
 */
@HubTest
class QueueConsumerThreadsTest extends HubTestBase {

    @Value("${connectify.queues.concurrent-consumers}")
    int consumersPerQueue;

    @Value("${connectify.queues.consumer-thread-priority}")
    int priority;

    @Test
    void everyQueueConsumerRunsOnALowPriorityThread() {
        List<Thread> consumers = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("queue-consumer-")).toList();

        // Stripe and Payrexx events, then the notifications' consumer
        assertThat(consumers).hasSizeGreaterThanOrEqualTo(2 * consumersPerQueue + 1)
                .allSatisfy(thread -> assertThat(thread.getPriority()).isEqualTo(priority));
        assertThat(priority).isLessThan(Thread.NORM_PRIORITY);
    }
}
