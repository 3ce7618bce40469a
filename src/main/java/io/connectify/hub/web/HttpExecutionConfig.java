package io.connectify.hub.web;

import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcRegistrations;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.DeferredResultMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * How HTTP requests to Camel routes are executed: on the servlet thread (see {@link InlineHttpExecutor}), and
 * finished there without a second, asynchronous dispatch (see {@link CompletedFutureReturnValueHandler}), and
 * without looking for validation groups a handler does not use (see {@link OnDemandMethodValidationAdapter}).
 */
@Configuration(proxyBeanMethods = false)
public class HttpExecutionConfig {

    @Bean
    InlineHttpExecutor platformHttpExecutor() {
        return new InlineHttpExecutor();
    }

    @Bean
    WebMvcRegistrations onDemandMethodValidation() {
        return new WebMvcRegistrations() {
            @Override
            public RequestMappingHandlerAdapter getRequestMappingHandlerAdapter() {
                return new OnDemandMethodValidationAdapter();
            }
        };
    }

    /** Puts the completed-future handler in front of Spring's future handler, which it falls back to. */
    @Bean
    static BeanPostProcessor completedFutureReturnValues() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof RequestMappingHandlerAdapter adapter && adapter.getReturnValueHandlers() != null) {
                    List<HandlerMethodReturnValueHandler> handlers = new ArrayList<>(adapter.getReturnValueHandlers());
                    handlers.stream().filter(DeferredResultMethodReturnValueHandler.class::isInstance).findFirst()
                            .ifPresent(async -> handlers.add(0, new CompletedFutureReturnValueHandler(async)));
                    adapter.setReturnValueHandlers(handlers);
                }
                return bean;
            }
        };
    }
}
