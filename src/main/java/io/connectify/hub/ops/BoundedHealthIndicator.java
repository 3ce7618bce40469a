package io.connectify.hub.ops;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * A health check answered within {@code timeout}, else DOWN: the check itself runs on a thread of its own, one at a
 * time (a check still running is waited for again rather than a second one started).
 * <p>
 * Why: Spring Boot's JMS check opens a connection through the shared (single) connection factory, whose lock the
 * queue consumers' recovery holds while each of its attempts to reach a broker that is gone runs. With four queue
 * consumers retrying, the readiness probe waited 28 s for its turn (ReadinessTest, under load), where it must go
 * down within moments. Spring Boot has no time bound per health contributor. The database's check waited likewise,
 * for a pooled connection, up to HikariCP's connection-timeout (30 s); it now keeps a connection of its own
 * ({@link DatabaseReachability}), closed with this.
 */
public class BoundedHealthIndicator implements HealthIndicator, DisposableBean {

    private final HealthIndicator check;
    private final Duration timeout;
    private final String what;
    private final ExecutorService thread;
    private Future<Health> running;

    public BoundedHealthIndicator(HealthIndicator check, Duration timeout, String what) {
        this.check = check;
        this.timeout = timeout;
        this.what = what;
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, what + "-health");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Health health() {
        Future<Health> answer = inFlight();
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException slow) {
            return Health.down().withDetail("error", "the " + what + " did not answer within " + timeout.toMillis()
                    + " ms").build();
        } catch (ExecutionException failed) {
            return Health.down(failed.getCause() instanceof Exception e ? e : failed).build();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            // DOWN, not UNKNOWN: Boot orders UNKNOWN after UP, so readiness would have answered UP unchecked
            return Health.down().withDetail("error", "the " + what + " check was interrupted").build();
        }
    }

    private synchronized Future<Health> inFlight() {
        if (running == null || running.isDone()) {
            running = thread.submit(check::health);
        }
        return running;
    }

    @Override
    public void destroy() {
        thread.shutdownNow();
        if (check instanceof DatabaseReachability own) { // its own connection
            own.close();
        }
    }
}
