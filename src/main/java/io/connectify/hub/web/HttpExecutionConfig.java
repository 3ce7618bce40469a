package io.connectify.hub.web;

import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcRegistrations;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.RequestContextFilter;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.DeferredResultMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * How HTTP requests to Camel routes are executed: on the servlet thread (see {@link InlineHttpExecutor}), and
 * finished there without a second, asynchronous dispatch (see {@link CompletedFutureReturnValueHandler}), and
 * without looking for validation groups a handler does not use (see {@link OnDemandMethodValidationAdapter}); and
 * without Spring Boot's RequestContextFilter in front of the DispatcherServlet.
 */
@Configuration(proxyBeanMethods = false)
public class HttpExecutionConfig {

    /**
     * Spring Boot's RequestContextFilter not registered: it exposed each request to Spring's RequestContextHolder and
     * LocaleContextHolder in front of the DispatcherServlet, which does the same for every request it serves (every
     * one of the hub's: the routes, the API, Actuator, the error page), and nothing between the two reads them. It
     * built the holders' objects and parsed the request's locales once more per request (2% of a webhook's
     * request-thread garbage in a JFR profile of the benchmark's fixed-rate run, p8).
     */
    @Bean
    FilterRegistrationBean<RequestContextFilter> requestContextFilterNotRegistered() {
        // its registration, disabled, keeps Spring Boot from making the filter (@ConditionalOnMissingFilterBean)
        var registration = new FilterRegistrationBean<RequestContextFilter>(new RequestContextFilter());
        registration.setEnabled(false);
        return registration;
    }

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
