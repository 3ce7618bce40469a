package io.connectify.hub.support;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.awaitility.pollinterval.PollInterval;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Awaitility's polling for every test class (registered through META-INF/services and junit-platform.properties):
 * the first look when it was (Awaitility's default: after 100 ms, unless an await says otherwise), the next ones
 * 5, 10, 20, 40 and 80 ms later and then every 100 ms. Awaitility looked again only every 100 ms, so a condition
 * that came true just after a look waited up to a tenth of a second more: HubTestBase's two waits for idle queues
 * around each of the suite's ~1,800 tests, and its ~500 awaits. The conditions and their deadlines are the tests'
 * own; an await that sets its own poll interval keeps it.
 * <p>
 * The first look stays at 100 ms: some conditions read what the event being waited for writes (a JSON field read
 * before it exists throws, which untilAsserted does not retry), so an earlier first look failed them.
 */
public class AwaitilityDefaults implements BeforeAllCallback {

    static final Duration FIRST_LOOK = Duration.ofMillis(100);
    static final Duration QUICKEST = Duration.ofMillis(5);
    static final Duration SLOWEST = Duration.ofMillis(100);

    /** Doubling from 5 ms up to Awaitility's 100 ms: quick to see what comes soon, no busier later on. */
    static final PollInterval DOUBLING = (pollCount, previous) -> {
        Duration next = pollCount <= 1 || previous.compareTo(QUICKEST) < 0 ? QUICKEST : previous.multipliedBy(2);
        return next.compareTo(SLOWEST) > 0 ? SLOWEST : next;
    };

    @Override
    public void beforeAll(ExtensionContext context) {
        Awaitility.setDefaultPollInterval(DOUBLING);
        Awaitility.setDefaultPollDelay(FIRST_LOOK);
    }
}
