package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.web.servlet.mvc.method.annotation.DeferredResultMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * The running hub finishes requests to Camel routes with {@link CompletedFutureReturnValueHandler} (what it does is
 * tested in {@link CompletedFutureReturnValueHandlerTest}; every route test goes through it), through Spring MVC's
 * adapter that validates only handlers with constraints ({@link OnDemandMethodValidationAdapterTest}).
 */
@HubTest
class CamelRequestDispatchTest extends HubTestBase {

    @Autowired
    RequestMappingHandlerAdapter mvc;
    @Autowired
    ServletContext servletContext;

    @Test
    void springMvcAsksTheCompletedFutureHandlerBeforeItsOwnFutureHandler() {
        var handlers = mvc.getReturnValueHandlers();

        assertThat(handlers.get(0)).isInstanceOf(CompletedFutureReturnValueHandler.class);
        assertThat(handlers).filteredOn(DeferredResultMethodReturnValueHandler.class::isInstance).hasSize(1);
    }

    @Test
    void springMvcHandsTheValidatorOnlyToHandlersWithConstraints() {
        assertThat(mvc).isInstanceOf(OnDemandMethodValidationAdapter.class);
    }

    /** The DispatcherServlet exposes each request itself; Spring Boot's filter doing it first is not in the chain. */
    @Test
    void noRequestContextFilterRunsInFrontOfTheDispatcherServlet() {
        assertThat(servletContext.getFilterRegistrations().values())
                .extracting(FilterRegistration::getClassName)
                .isNotEmpty()
                .noneMatch(name -> name.endsWith("RequestContextFilter"));
        assertThat(httpGet("/api/v1/prices?duration=60").status()).isEqualTo(200);
    }
}
