package io.connectify.hub.web;

import org.springframework.lang.Nullable;
import org.springframework.validation.method.MethodValidator;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod;

/**
 * Spring MVC's handler adapter, but a handler method gets the method validator only when it has something to
 * validate. Spring MVC 6.2 hands every invocation the validator, which then works out the method's validation
 * groups by scanning the handler's class and method for {@code @Validated} on every request (spring-framework
 * #36274, which proposes this very check). None of the hub's handlers validates anything (Camel's
 * platform-http consumer, the error page, the sandbox outbox: request bodies are validated in the routes), and the
 * scan took 5% of a webhook's request-thread CPU. A handler with constraints on its parameters or return value
 * gets the validator as before.
 */
public class OnDemandMethodValidationAdapter extends RequestMappingHandlerAdapter {

    @Override
    protected ServletInvocableHandlerMethod createInvocableHandlerMethod(HandlerMethod handlerMethod) {
        return new ServletInvocableHandlerMethod(handlerMethod) {
            @Override
            public void setMethodValidator(@Nullable MethodValidator methodValidator) {
                boolean validates = shouldValidateArguments() || shouldValidateReturnValue();
                super.setMethodValidator(validates ? methodValidator : null);
            }
        };
    }
}
