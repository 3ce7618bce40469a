package io.connectify.hub.webhook;

import javax.sql.DataSource;

import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Camel's JDBC idempotent repository, with one race closed: two consumers (threads or instances) processing the
 * same event at the same moment both find the key absent, and the slower insert fails on the primary key. That
 * event was processed all the same (the saga is idempotent), so the key counts as recorded instead of failing the
 * completed exchange.
 */
public class ProcessedEventRepository extends JdbcMessageIdRepository {

    public ProcessedEventRepository(DataSource dataSource, TransactionTemplate transactions, String processorName) {
        super(dataSource, transactions, processorName);
    }

    @Override
    public boolean add(String key) {
        try {
            return super.add(key);
        } catch (DuplicateKeyException concurrentDuplicate) {
            return false;
        }
    }
}
