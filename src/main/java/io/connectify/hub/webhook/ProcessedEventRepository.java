package io.connectify.hub.webhook;

import javax.sql.DataSource;

import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Camel's JDBC idempotent repository, recording a key with one statement and with one race closed:
 * <ul>
 * <li>Camel's own {@code add} counts the key's rows before inserting it, a second query on every processed event;
 * the primary key already refuses a key recorded before, so the insert alone decides.
 * <li>Two consumers (threads or instances) processing the same event at the same moment both find the key absent,
 * and the slower insert fails on the primary key. That event was processed all the same (the saga is
 * idempotent), so the key counts as recorded instead of failing the completed exchange.
 * </ul>
 */
public class ProcessedEventRepository extends JdbcMessageIdRepository {

    public ProcessedEventRepository(DataSource dataSource, TransactionTemplate transactions, String processorName) {
        super(dataSource, transactions, processorName);
    }

    @Override
    public boolean add(String key) {
        try {
            return Boolean.TRUE.equals(transactionTemplate.execute(status -> insert(key) == 1));
        } catch (DuplicateKeyException recordedBefore) {
            return false;
        }
    }
}
