package io.connectify.hub;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The database's transactions, as the hub runs them: through a {@link TransactionTemplate}, never
 * {@code @Transactional}. Spring Boot's TransactionAutoConfiguration, which would make this bean, is excluded
 * (application.yaml): with it came the proxying for {@code @Transactional}, which searched every method of every bean
 * for the annotation at each start, for no method that has it.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseTransactions {

    @Bean
    TransactionTemplate transactionTemplate(PlatformTransactionManager transactionManager) {
        return new TransactionTemplate(transactionManager);
    }
}
