package io.connectify.hub.web;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpConsumer;
import org.springframework.core.MethodParameter;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Finishes a request to a Camel route on the servlet thread when the route is already done. camel-platform-http
 * answers every request with a future; Spring MVC starts servlet async processing for any future, even a completed
 * one, and dispatches the request a second time through the filters and the DispatcherServlet to finish it. The
 * hub's routes run on the servlet thread ({@link InlineHttpExecutor}), so the future is done when it is returned
 * and that second dispatch was pure overhead on every webhook and API call. A future still running (another
 * executor) goes to Spring's own handler as before.
 */
public class CompletedFutureReturnValueHandler implements HandlerMethodReturnValueHandler {

    private final HandlerMethodReturnValueHandler asyncHandler;

    public CompletedFutureReturnValueHandler(HandlerMethodReturnValueHandler asyncHandler) {
        this.asyncHandler = asyncHandler;
    }

    @Override
    public boolean supportsReturnType(MethodParameter returnType) {
        // only Camel's consumer: its future carries no value, the route has written the response itself
        return SpringBootPlatformHttpConsumer.class.isAssignableFrom(returnType.getContainingClass())
                && CompletionStage.class.isAssignableFrom(returnType.getParameterType());
    }

    @Override
    public void handleReturnValue(Object returnValue, MethodParameter returnType, ModelAndViewContainer mavContainer,
            NativeWebRequest webRequest) throws Exception {
        if (returnValue instanceof CompletableFuture<?> future && future.isDone()) {
            try {
                future.join();
            } catch (CompletionException e) {
                // what the async dispatch would have handed to the exception resolvers
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
            mavContainer.setRequestHandled(true);
            return;
        }
        asyncHandler.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
    }
}
