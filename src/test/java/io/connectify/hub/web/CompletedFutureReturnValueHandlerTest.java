package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.MethodParameter;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.DeferredResultMethodReturnValueHandler;

/** Spring MVC's side of a request to a Camel route: finished at once when the route is done, async otherwise. */
class CompletedFutureReturnValueHandlerTest {

    private final CompletedFutureReturnValueHandler handler =
            new CompletedFutureReturnValueHandler(new DeferredResultMethodReturnValueHandler());
    private final MockHttpServletRequest request = new MockHttpServletRequest("POST", "/webhooks/stripe");
    private final ModelAndViewContainer mav = new ModelAndViewContainer();
    private ServletWebRequest webRequest;
    private MethodParameter camelService;

    @BeforeEach
    void setUp() throws Exception {
        request.setAsyncSupported(true);
        MockHttpServletResponse response = new MockHttpServletResponse();
        webRequest = new ServletWebRequest(request, response);
        // as RequestMappingHandlerAdapter prepares every request
        WebAsyncUtils.getAsyncManager(webRequest)
                .setAsyncWebRequest(WebAsyncUtils.createAsyncWebRequest(request, response));
        camelService = new MethodParameter(SpringBootPlatformHttpConsumer.class
                .getMethod("service", HttpServletRequest.class, HttpServletResponse.class), -1);
    }

    @Test
    void aCompletedRouteFinishesTheRequestWithoutAnAsyncDispatch() throws Exception {
        handler.handleReturnValue(CompletableFuture.completedFuture(null), camelService, mav, webRequest);

        assertThat(mav.isRequestHandled()).isTrue();
        assertThat(request.isAsyncStarted()).isFalse();
    }

    @Test
    void aRouteThatFailedHandsItsExceptionToSpringsResolvers() {
        IOException failure = new IOException("client went away");

        assertThatThrownBy(() -> handler.handleReturnValue(CompletableFuture.failedFuture(failure), camelService,
                mav, webRequest)).isSameAs(failure);
        assertThat(request.isAsyncStarted()).isFalse();
    }

    @Test
    void aRouteStillRunningIsLeftToSpringsAsyncProcessing() throws Exception {
        handler.handleReturnValue(new CompletableFuture<Void>(), camelService, mav, webRequest);

        assertThat(request.isAsyncStarted()).isTrue();
        assertThat(mav.isRequestHandled()).isFalse();
    }

    @Test
    void onlyCamelsConsumerIsHandled() throws Exception {
        MethodParameter otherController = new MethodParameter(getClass().getDeclaredMethod("someController"), -1);

        assertThat(handler.supportsReturnType(camelService)).isTrue();
        assertThat(handler.supportsReturnType(otherController)).isFalse();
    }

    CompletableFuture<String> someController() {
        return CompletableFuture.completedFuture("a value this handler must not drop");
    }
}
