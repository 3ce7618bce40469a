package io.connectify.hub.ops;

import java.time.Duration;

import jakarta.jms.ConnectionFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.jms.JmsHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The broker's health ("jms", in the readiness group): Spring Boot's JMS check, answered within
 * {@code connectify.health.broker-timeout} ({@link BoundedHealthIndicator}). Named as Boot's bean, which it replaces.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnEnabledHealthIndicator("jms") // as Boot's: management.health.jms.enabled=false turns it off
public class BrokerHealthConfig {

    @Bean
    BoundedHealthIndicator jmsHealthIndicator(ConnectionFactory connections,
                                              @Value("${connectify.health.broker-timeout}") Duration timeout) {
        return new BoundedHealthIndicator(new JmsHealthIndicator(connections), timeout, "broker");
    }
}
