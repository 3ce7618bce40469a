package io.connectify.hub.ops.cluster;

import static io.connectify.hub.ops.cluster.ClusterMembers.leading;
import static io.connectify.hub.ops.cluster.ClusterMembers.lease;
import static io.connectify.hub.ops.cluster.ClusterMembers.started;
import static io.connectify.hub.ops.cluster.ClusterMembers.withSingletonRoute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDateTime;

import javax.sql.DataSource;

import io.connectify.hub.ops.cluster.ClusterMembers.Lease;
import io.connectify.hub.support.Database;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Two members sharing the lease of the singleton routes, one of them with a clock far off (an hour, the lease lasts
 * application.yaml's 10 s): the member that leads and renews its lease keeps it, the other does not take it and
 * leads only once the leader has released it. On both databases the hub runs on.
 * <p>
 * A member's clock reaches the lease only through the times it sends to the database, so the member whose clock is
 * off is one whose every time parameter (a JDBC Timestamp or date-time) is shifted by the skew on its way to the
 * database ({@link SkewedClock}). Before the lease's times were the database's, Spring Integration bound the member's
 * current time (CREATED_DATE) and the time before which a lease had run out: a follower an hour ahead found the
 * leader's lease an hour old and took it, a leader an hour behind wrote a lease an hour old, which the follower took.
 */
class ClusterLeaseClockSkewTest {

    private static final Duration SKEW = Duration.ofHours(1);
    private static final String LEADER = "member-leading";
    private static final String FOLLOWER = "member-following";
    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aFollowerWhoseClockRunsAheadDoesNotTakeTheLeaseTheLeaderRenews(Database database) {
        member(database, LEADER, Duration.ZERO).run(leader -> member(database, FOLLOWER, SKEW).run(follower ->
                onlyTheLeaderLeadsUntilItReleasesTheLease(leader, follower)));
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aFollowerDoesNotTakeTheLeaseOfALeaderWhoseClockRunsBehind(Database database) {
        member(database, LEADER, SKEW.negated()).run(leader -> member(database, FOLLOWER, Duration.ZERO).run(follower ->
                onlyTheLeaderLeadsUntilItReleasesTheLease(leader, follower)));
    }

    private static void onlyTheLeaderLeadsUntilItReleasesTheLease(AssertableApplicationContext leader,
                                                                  AssertableApplicationContext follower)
            throws Exception {
        CamelContext leading = leading(leader);
        Timestamp leaseBefore = lease(leader).orElseThrow().renewed();

        CamelContext following = withSingletonRoute(follower);
        following.start();
        // the follower asks for the lease every 100 ms, the leader renews it every 200 ms
        await("only the leader leads, its lease renewed").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> started(leading) && !started(following)
                        && lease(leader).map(Lease::member).orElse("").equals(LEADER));
        assertThat(lease(leader)).hasValueSatisfying(lease -> assertThat(lease.renewed()).isAfter(leaseBefore));

        leading.stop(); // releases the lease
        await().atMost(Duration.ofSeconds(10)).until(() -> started(following));
        assertThat(lease(follower)).map(Lease::member).hasValue(FOLLOWER);
        following.stop();
    }

    /**
     * The database's URL: on H2, in memory, not application.yaml's file: both members share the database in this JVM,
     * and a stopping leader's election thread, interrupted while H2 writes its file, closes a file database for both
     * (ClosedByInterruptException; one hub per H2 file in use, so only here).
     */
    private static String url(Database database) {
        return database.url("jdbc:h2:mem:cluster-clock-skew;DB_CLOSE_DELAY=-1", postgres);
    }

    /** A hub instance's lease and singleton route on the shared database, its clock off by {@code skew}. */
    private static ApplicationContextRunner member(Database database, String id, Duration skew) {
        return ClusterMembers.member(url(database), database.user(), id)
                .withBean(SkewedClock.class, () -> new SkewedClock(skew));
    }

    /**
     * A member's clock off by the skew, as the database sees it: every time value the member binds to a statement is
     * shifted by it. (The member's other uses of its clock, the margins it counts with System.nanoTime, are
     * durations a skew does not change.)
     */
    static final class SkewedClock implements BeanPostProcessor {

        private final Duration skew;

        SkewedClock(Duration skew) {
            this.skew = skew;
        }

        @Override
        public Object postProcessAfterInitialization(Object bean, String name) {
            return bean instanceof DataSource dataSource && !skew.isZero()
                    ? wrap(DataSource.class, dataSource, this::connection) : bean;
        }

        private Object connection(Object connection) {
            return wrap(Connection.class, (Connection) connection, this::statement);
        }

        private Object statement(Object statement) {
            return statement instanceof PreparedStatement prepared ? wrap(PreparedStatement.class, prepared, null)
                    : statement;
        }

        /** A proxy of the target whose results pass through next (connections, statements), its time values skewed. */
        private <T> T wrap(Class<T> type, T target, java.util.function.UnaryOperator<Object> next) {
            InvocationHandler handler = (proxy, method, arguments) -> {
                Object[] skewed = arguments == null ? null : arguments.clone();
                if (skewed != null && method.getName().startsWith("set") && skewed.length >= 2) {
                    skewed[1] = skewed(skewed[1]);
                }
                Object result;
                try {
                    result = method.invoke(target, skewed);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
                return next != null && result != null && returnsNext(method) ? next.apply(result) : result;
            };
            return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
        }

        private static boolean returnsNext(Method method) {
            return method.getReturnType() == Connection.class || method.getReturnType() == PreparedStatement.class;
        }

        private Object skewed(Object value) {
            if (value instanceof Timestamp time) {
                return Timestamp.valueOf(time.toLocalDateTime().plus(skew));
            }
            if (value instanceof LocalDateTime time) {
                return time.plus(skew);
            }
            return value;
        }
    }
}
