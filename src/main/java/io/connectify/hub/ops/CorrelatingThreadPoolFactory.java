package io.connectify.hub.ops;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextScheduledExecutorService;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.DefaultThreadPoolFactory;
import org.springframework.stereotype.Component;

/**
 * Camel's API components (camel-google-calendar, camel-twilio) run each provider call on a shared scheduled pool,
 * where the calling exchange's MDC is absent or, worse, left over from an earlier task. This factory's scheduled
 * pools carry the submitting thread's correlation id into the task (and clear it when there is none), so the
 * provider request and its log lines name the right exchange. Camel picks the factory up from the registry.
 */
@Component
public class CorrelatingThreadPoolFactory extends DefaultThreadPoolFactory {

    private final ContextSnapshotFactory snapshots = ContextSnapshotFactory.builder()
            .contextRegistry(new ContextRegistry().registerThreadLocalAccessor(
                    new Slf4jThreadLocalAccessor(CorrelationId.MDC_KEY)))
            .clearMissing(true)
            .build();

    @Override
    public ScheduledExecutorService newScheduledThreadPool(ThreadPoolProfile profile, ThreadFactory threadFactory) {
        return ContextScheduledExecutorService.wrap(super.newScheduledThreadPool(profile, threadFactory),
                () -> snapshots.captureAll());
    }
}
