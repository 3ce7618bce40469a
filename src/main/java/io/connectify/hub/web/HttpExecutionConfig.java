package io.connectify.hub.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** How HTTP requests to Camel routes are executed: on the servlet thread (see {@link InlineHttpExecutor}). */
@Configuration(proxyBeanMethods = false)
public class HttpExecutionConfig {

    @Bean
    InlineHttpExecutor platformHttpExecutor() {
        return new InlineHttpExecutor();
    }
}
