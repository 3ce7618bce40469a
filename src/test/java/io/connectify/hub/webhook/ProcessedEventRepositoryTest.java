package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The idempotent consumer's store on the hub's own schema (Flyway's migrations, H2). */
class ProcessedEventRepositoryTest {

    private JdbcDataSource dataSource;
    private ProcessedEventRepository repository;

    @BeforeEach
    void migrate() {
        dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:processed-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        Flyway.configure().dataSource(dataSource).load().migrate();
        repository = repository("webhook-events");
    }

    private ProcessedEventRepository repository(String processorName) {
        return repository(dataSource, processorName);
    }

    private static ProcessedEventRepository repository(DataSource dataSource, String processorName) {
        ProcessedEventRepository created = new ProcessedEventRepository(dataSource,
                new TransactionTemplate(new DataSourceTransactionManager(dataSource)), processorName);
        created.setCreateTableIfNotExists(false);
        created.start();
        return created;
    }

    @Test
    void recordsAKeyOnceAndRefusesItAfterwards() {
        assertThat(repository.contains("stripe:evt_1")).isFalse();

        assertThat(repository.add("stripe:evt_1")).isTrue();
        assertThat(repository.contains("stripe:evt_1")).isTrue();
        // a second consumer that processed the same event meanwhile: not an error, just not new
        assertThat(repository.add("stripe:evt_1")).isFalse();

        assertThat(rows("processorName = 'webhook-events' AND messageId = 'stripe:evt_1'")).isEqualTo(1);
    }

    /**
     * A key waiting in a stored dead letter (its event processed, its insert refused through every retry) is known, so
     * a copy of the event is a duplicate until the letter's replay records it; a letter replayed or of another key
     * leaves it unknown. Before V36, the letter kept no key and the copy was processed again.
     */
    @Test
    void aKeyWaitingInAStoredDeadLetterIsKnown() {
        var jdbc = org.springframework.jdbc.core.simple.JdbcClient.create(dataSource);
        String insert = "INSERT INTO dead_letter (id, route_id, source_queue, body, headers, error_type, attempts, "
                + "status, failed_at, unrecorded_key) VALUES (:id, 'stripe-event-dispatch', 'stripe-events', '{}', "
                + "'{}', 'x', 2, :status, CURRENT_TIMESTAMP, :key)";
        jdbc.sql(insert).param("id", "dl-1").param("status", "STORED").param("key", "stripe:evt_waiting").update();
        jdbc.sql(insert).param("id", "dl-2").param("status", "REPLAYED").param("key", "stripe:evt_replayed").update();

        assertThat(repository.contains("stripe:evt_waiting")).isTrue();
        assertThat(repository.contains("stripe:evt_replayed")).isFalse();
        assertThat(repository.contains("stripe:evt_other")).isFalse();
        assertThat(repository.add("stripe:evt_waiting")).as("its replay records it").isTrue();
        assertThat(repository.contains("stripe:evt_waiting")).isTrue();
    }

    /**
     * The look-up every queued event makes is its one SELECT, with no transaction around it: the same answers (a key
     * recorded, one waiting in a stored dead letter, one unknown) with no transaction begun. Before, Camel's
     * {@code contains} began and committed a transaction of its own for every look-up.
     */
    @Test
    void aLookUpIsOneStatementWithNoTransactionOfItsOwn() {
        AtomicInteger begun = new AtomicInteger();
        ProcessedEventRepository counted = new ProcessedEventRepository(dataSource,
                new TransactionTemplate(new DataSourceTransactionManager(dataSource) {
                    @Override
                    protected void doBegin(Object transaction, org.springframework.transaction.TransactionDefinition
                            definition) {
                        begun.incrementAndGet();
                        super.doBegin(transaction, definition);
                    }
                }), "webhook-events");
        counted.setCreateTableIfNotExists(false);
        counted.start();
        counted.add("stripe:evt_recorded");
        org.springframework.jdbc.core.simple.JdbcClient.create(dataSource).sql("INSERT INTO dead_letter (id, route_id, "
                + "source_queue, body, headers, error_type, attempts, status, failed_at, unrecorded_key) VALUES ('dl-1', "
                + "'stripe-event-dispatch', 'stripe-events', '{}', '{}', 'x', 2, 'STORED', CURRENT_TIMESTAMP, "
                + "'stripe:evt_waiting')").update();
        begun.set(0);

        assertThat(counted.contains("stripe:evt_recorded")).isTrue();
        assertThat(counted.contains("stripe:evt_waiting")).isTrue();
        assertThat(counted.contains("stripe:evt_unknown")).isFalse();
        assertThat(begun).as("transactions begun by the look-ups").hasValue(0);
    }

    /**
     * The key the block's last step could not record is left on the exchange for the dead-letter store; one recorded
     * leaves none.
     */
    @Test
    void aKeyThatCouldNotBeRecordedIsLeftForTheDeadLetter() {
        var camel = new DefaultCamelContext();
        Exchange refused = new DefaultExchange(camel);
        var jdbc = org.springframework.jdbc.core.simple.JdbcClient.create(dataSource);
        jdbc.sql("DROP TABLE CAMEL_MESSAGEPROCESSED").update(); // the database refusing the insert

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> repository.record(refused, "stripe:evt_lost"))
                .isInstanceOf(RuntimeException.class);
        assertThat(refused.getProperty(WebhookHeaders.UNRECORDED_KEY, String.class)).isEqualTo("stripe:evt_lost");
    }

    @Test
    void anEventThatNeededNoActionLeavesNoKey() {
        var camel = new DefaultCamelContext();
        Exchange noAction = new DefaultExchange(camel);
        noAction.setProperty(WebhookHeaders.ACTED_ON, false);
        Exchange acted = new DefaultExchange(camel);
        acted.setProperty(WebhookHeaders.ACTED_ON, true);
        Exchange unmarked = new DefaultExchange(camel);

        repository.add(noAction, "stripe:evt_no_action");
        repository.add(acted, "stripe:evt_acted");
        repository.add(unmarked, "stripe:evt_unmarked");

        assertThat(repository.contains("stripe:evt_no_action")).isFalse();
        assertThat(repository.contains("stripe:evt_acted")).isTrue();
        assertThat(repository.contains("stripe:evt_unmarked")).as("unmarked counts as acted on").isTrue();
        assertThat(rows("processorName = 'webhook-events'")).isEqualTo(2);
    }

    /**
     * The idempotent block's last step records the key and throws when it cannot, so the event fails before its broker
     * transaction commits; Camel's completion hook then records nothing more. An event that needed no action leaves
     * no key there either.
     */
    @Test
    void theBlocksLastStepRecordsTheKeyAndFailsWhenItCannot() {
        var camel = new DefaultCamelContext();
        Exchange acted = new DefaultExchange(camel);
        repository.record(acted, "stripe:evt_recorded");
        assertThat(repository.contains("stripe:evt_recorded")).isTrue();
        assertThat(repository.add(acted, "stripe:evt_recorded")).as("the hook: nothing left to record").isFalse();

        Exchange noAction = new DefaultExchange(camel);
        noAction.setProperty(WebhookHeaders.ACTED_ON, false);
        repository.record(noAction, "stripe:evt_no_action");
        assertThat(repository.contains("stripe:evt_no_action")).isFalse();

        AtomicBoolean down = new AtomicBoolean();
        ProcessedEventRepository refusing = refusingWhile(down);
        down.set(true);
        Exchange refused = new DefaultExchange(camel);
        assertThatThrownBy(() -> refusing.record(refused, "stripe:evt_refused")).isInstanceOf(RuntimeException.class);
        assertThat(refused.getProperty(WebhookHeaders.KEY_RECORDED)).isNull();
        assertThat(repository.contains("stripe:evt_refused")).isFalse();
    }

    /**
     * A message carrying the key of an event already processed (queued again by the dead-letter store when neither the
     * key nor the dead letter could be stored) has it recorded by the consumer's first step, so the idempotent
     * consumer then finds it; with the database still down the step throws and leaves the key for a dead letter. A
     * message without that header, or one whose key is recorded already (a dead letter's replay), passes.
     */
    @Test
    void aKeyCarriedByTheMessageIsRecordedBeforeTheLookUp() {
        var camel = new DefaultCamelContext();
        AtomicBoolean down = new AtomicBoolean();
        ProcessedEventRepository refusing = refusingWhile(down);
        down.set(true);
        Exchange copy = new DefaultExchange(camel);
        copy.getIn().setHeader(WebhookHeaders.UNRECORDED_KEY, "stripe:evt_carried");

        assertThatThrownBy(() -> refusing.recordCarried(copy)).isInstanceOf(RuntimeException.class);
        assertThat(copy.getProperty(WebhookHeaders.UNRECORDED_KEY, String.class)).isEqualTo("stripe:evt_carried");

        down.set(false);
        Exchange redelivered = new DefaultExchange(camel);
        redelivered.getIn().setHeader(WebhookHeaders.UNRECORDED_KEY, "stripe:evt_carried");
        refusing.recordCarried(redelivered);
        assertThat(repository.contains("stripe:evt_carried")).isTrue();
        refusing.recordCarried(redelivered); // recorded already: nothing more
        assertThat(rows("messageId = 'stripe:evt_carried'")).isEqualTo(1);

        refusing.recordCarried(new DefaultExchange(camel));
        assertThat(rows("processorName = 'webhook-events'")).isEqualTo(1);
    }

    /**
     * A key owed (its event processed, its key and dead letter refused: DeadLetterStore) is recorded by the first step
     * of whatever message this instance consumes next, before that message is looked up: a provider's own copy of the
     * event, which carries no key, is then a duplicate. While the database still refuses it the step fails (the copy
     * is not looked up without the key); once recorded it is owed no more. A key kept by its stored dead letter is not
     * owed. Before, only the keyed copy recorded it, and a provider's copy consumed first found no key.
     */
    @Test
    void aKeyOwedIsRecordedBeforeTheNextMessageIsLookedUp() {
        var camel = new DefaultCamelContext();
        AtomicBoolean down = new AtomicBoolean();
        ProcessedEventRepository refusing = refusingWhile(down);
        down.set(true);
        refusing.owe("stripe:evt_owed");
        Exchange providersCopy = new DefaultExchange(camel);

        assertThatThrownBy(() -> refusing.recordCarried(providersCopy)).isInstanceOf(RuntimeException.class);
        assertThat(providersCopy.getProperty(WebhookHeaders.UNRECORDED_KEY)).as("not its own key").isNull();

        down.set(false);
        refusing.recordCarried(providersCopy);
        assertThat(refusing.contains("stripe:evt_owed")).as("the copy's lookup finds it").isTrue();
        new JdbcTemplate(dataSource).update("DELETE FROM CAMEL_MESSAGEPROCESSED");
        refusing.recordCarried(new DefaultExchange(camel));
        assertThat(rows("processorName = 'webhook-events'")).as("owed no more once recorded").isZero();

        refusing.owe("stripe:evt_kept");
        refusing.keptByDeadLetter("stripe:evt_kept");
        refusing.recordCarried(new DefaultExchange(camel));
        assertThat(rows("processorName = 'webhook-events'")).as("known by its letter, not owed").isZero();
    }

    /**
     * A failed exchange removes no key, even through an idempotent consumer left at Camel's default removeOnFailure
     * (true): the key is the delivery's that acted, and a redelivery after the failure is then a duplicate, as
     * design.md's idempotent consumer says (the failed one is replayed from its dead letter, a duplicate again).
     */
    @Test
    void aFailedExchangeLeavesTheKeyAndARedeliveryIsADuplicate() throws Exception {
        try (var camel = new DefaultCamelContext()) {
            camel.getRegistry().bind("processed", repository);
            AtomicInteger acted = new AtomicInteger();
            camel.addRoutes(new org.apache.camel.builder.RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:event").idempotentConsumer(header("eventKey")).idempotentRepository("processed")
                            .eager(false).skipDuplicate(false)
                            .choice()
                                .when(exchangeProperty(Exchange.DUPLICATE_MESSAGE))
                                    .throwException(new IllegalStateException("the repeat's own handling failed"))
                                .otherwise()
                                    .process(exchange -> acted.incrementAndGet());
                }
            });
            camel.start();
            var producer = camel.createProducerTemplate();

            producer.sendBodyAndHeader("direct:event", "", "eventKey", "stripe:evt_once");
            Exchange failedRepeat = producer.request("direct:event",
                    exchange -> exchange.getIn().setHeader("eventKey", "stripe:evt_once"));
            assertThat(failedRepeat.getException()).isNotNull();
            assertThat(repository.contains("stripe:evt_once")).as("the key, after the failed repeat").isTrue();

            Exchange redelivery = producer.request("direct:event",
                    exchange -> exchange.getIn().setHeader("eventKey", "stripe:evt_once"));
            assertThat(redelivery.getProperty(Exchange.DUPLICATE_MESSAGE, false, Boolean.class)).isTrue();
            assertThat(acted).hasValue(1);
        }
        assertThat(repository.remove("stripe:evt_once")).isFalse();
        assertThat(rows("messageId = 'stripe:evt_once'")).isEqualTo(1);
    }

    @Test
    void keysOfAnotherProcessorAreItsOwn() {
        assertThat(repository.add("stripe:evt_2")).isTrue();

        ProcessedEventRepository other = repository("other-events");
        assertThat(other.contains("stripe:evt_2")).isFalse();
        assertThat(other.add("stripe:evt_2")).isTrue();
        assertThat(rows("messageId = 'stripe:evt_2'")).isEqualTo(2);
    }

    @Test
    void keysRecordedMeanwhileShareTheNextCommit() throws Exception {
        try (FirstCommitHeld held = new FirstCommitHeld()) {
            List<Future<Boolean>> meanwhile = IntStream.range(0, 7).mapToObj(i -> held.add("stripe:evt_" + i)).toList();
            await().atMost(10, TimeUnit.SECONDS).until(() -> held.repository.waiting() == 7);
            assertThat(meanwhile).noneMatch(Future::isDone); // none returns before its key is committed

            held.release();

            for (Future<Boolean> added : meanwhile) {
                assertThat(added.get(10, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(held.commits).hasValue(2);
        }
        assertThat(rows("processorName = 'webhook-events'")).isEqualTo(8);
    }

    @Test
    void theSameKeyTwiceInOneCommitIsRecordedOnce() throws Exception {
        try (FirstCommitHeld held = new FirstCommitHeld()) {
            List<Future<Boolean>> twice = held.addWhileTheFirstIsCommitted("stripe:evt_twice", "stripe:evt_twice");

            held.release();

            // the group's commit fails on the primary key; each key on its own then: one new, one recorded before
            assertThat(List.of(twice.get(0).get(10, TimeUnit.SECONDS), twice.get(1).get(10, TimeUnit.SECONDS)))
                    .containsExactlyInAnyOrder(true, false);
        }
        assertThat(rows("messageId = 'stripe:evt_twice'")).isEqualTo(1);
    }

    @Test
    void aGroupWhoseTransactionCannotBeginIsRecordedKeyByKeyAndLeavesNoConsumerWaiting() throws Exception {
        try (FirstCommitHeld held = new FirstCommitHeld()) {
            List<Future<Boolean>> group = held.addWhileTheFirstIsCommitted("stripe:evt_a", "stripe:evt_b");
            held.refuseNextConnection.set(true); // the pool has no connection for the group's transaction

            held.release();

            for (Future<Boolean> added : group) {
                assertThat(added.get(10, TimeUnit.SECONDS)).isTrue();
            }
        }
        assertThat(rows("messageId IN ('stripe:evt_a', 'stripe:evt_b')")).isEqualTo(2);
    }

    private int rows(String where) {
        return new JdbcTemplate(dataSource).queryForObject(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE " + where, Integer.class);
    }

    /** Consumers of a repository whose first key is being committed until release(). */
    private final class FirstCommitHeld implements AutoCloseable {

        final AtomicInteger commits = new AtomicInteger();
        final CountDownLatch firstCommitMayFinish = new CountDownLatch(1);
        final AtomicBoolean refuseNextConnection = new AtomicBoolean();
        final ProcessedEventRepository repository = repository(firstCommitHeldBack(commits, firstCommitMayFinish,
                refuseNextConnection), "webhook-events");
        final ExecutorService consumers = Executors.newFixedThreadPool(8);
        final Future<Boolean> first = add("stripe:evt_first");

        FirstCommitHeld() {
            await().atMost(10, TimeUnit.SECONDS).until(() -> commits.get() == 1);
        }

        Future<Boolean> add(String key) {
            return consumers.submit(() -> repository.add(key));
        }

        /** The keys added by consumers of their own, once all of them wait for the next commit. */
        List<Future<Boolean>> addWhileTheFirstIsCommitted(String... keys) {
            List<Future<Boolean>> added = java.util.Arrays.stream(keys).map(this::add).toList();
            await().atMost(10, TimeUnit.SECONDS).until(() -> repository.waiting() == keys.length);
            return added;
        }

        void release() throws Exception {
            firstCommitMayFinish.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void close() {
            consumers.shutdownNow();
        }
    }

    /**
     * The test's database, counting the commits that insert keys; the first one waits for the latch. A connection
     * asked for while {@code refuseNext} is set is refused once, as a pool with none free refuses it.
     */
    private DataSource firstCommitHeldBack(AtomicInteger commits, CountDownLatch firstCommitMayFinish,
                                           AtomicBoolean refuseNext) {
        return new DelegatingDataSource(dataSource) {
            @Override
            public Connection getConnection() throws SQLException {
                if (refuseNext.compareAndSet(true, false)) {
                    throw new SQLTransientConnectionException("Connection is not available, request timed out");
                }
                Connection connection = super.getConnection();
                boolean[] inserted = {false};
                return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            if (method.getName().equals("prepareStatement")
                                    && ((String) args[0]).startsWith("INSERT")) {
                                inserted[0] = true;
                            }
                            if (method.getName().equals("commit") && inserted[0]
                                    && commits.incrementAndGet() == 1) {
                                firstCommitMayFinish.await(10, TimeUnit.SECONDS);
                            }
                            try {
                                return method.invoke(connection, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
    }

    /** The repository over a data source whose connections are refused while {@code down} is set (pool exhausted). */
    private ProcessedEventRepository refusingWhile(AtomicBoolean down) {
        return repository(new DelegatingDataSource(dataSource) {
            @Override
            public Connection getConnection() throws SQLException {
                if (down.get()) {
                    throw new SQLTransientConnectionException("Connection is not available, request timed out");
                }
                return super.getConnection();
            }
        }, "webhook-events");
    }
}
