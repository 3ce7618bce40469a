package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import jakarta.validation.constraints.Min;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.StaticApplicationContext;
import org.springframework.core.MethodParameter;
import org.springframework.lang.Nullable;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;
import org.springframework.validation.method.MethodValidationResult;
import org.springframework.validation.method.MethodValidator;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.bind.support.ConfigurableWebBindingInitializer;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.annotation.HandlerMethodValidationException;

/** Which handler methods get Spring MVC's method validator, and that those with constraints are still validated. */
class OnDemandMethodValidationAdapterTest {

    private final OnDemandMethodValidationAdapter adapter = new OnDemandMethodValidationAdapter();

    @BeforeEach
    void bindWithBeanValidation() {
        LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
        validator.afterPropertiesSet();
        ConfigurableWebBindingInitializer binding = new ConfigurableWebBindingInitializer();
        binding.setValidator(validator);
        adapter.setWebBindingInitializer(binding);
        adapter.setApplicationContext(new StaticApplicationContext());
        adapter.afterPropertiesSet();
    }

    @Test
    void aHandlerWithoutConstraintsIsNotAskedForItsValidationGroups() throws Exception {
        RecordingValidator validator = new RecordingValidator();

        adapter.createInvocableHandlerMethod(handler("echo")).setMethodValidator(validator);

        assertThat(validator.groupsAskedFor).isEmpty();
    }

    @Test
    void aHandlerWithConstraintsGetsTheValidator() throws Exception {
        RecordingValidator validator = new RecordingValidator();

        adapter.createInvocableHandlerMethod(handler("count")).setMethodValidator(validator);

        assertThat(validator.groupsAskedFor).containsExactly("count");
    }

    @Test
    void aConstrainedParameterIsStillRejected() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/count");
        request.setParameter("n", "0");

        assertThatThrownBy(() -> adapter.handle(request, new MockHttpServletResponse(), handler("count")))
                .isInstanceOf(HandlerMethodValidationException.class);
    }

    @Test
    void aHandlerWithoutConstraintsStillAnswers() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/echo");
        request.setParameter("s", "hello");
        MockHttpServletResponse response = new MockHttpServletResponse();

        adapter.handle(request, response, handler("echo"));

        assertThat(response.getContentAsString()).isEqualTo("hello");
    }

    private static HandlerMethod handler(String name) {
        Method method = List.of(Handlers.class.getMethods()).stream().filter(m -> m.getName().equals(name))
                .findFirst().orElseThrow();
        // as Spring MVC's handler mapping registers a controller method: with its constraints looked up once
        return new HandlerMethod(new Handlers(), method).createWithValidateFlags();
    }

    public static class Handlers {

        @ResponseBody
        public String echo(@RequestParam("s") String s) {
            return s;
        }

        @ResponseBody
        public String count(@RequestParam("n") @Min(1) int n) {
            return Integer.toString(n);
        }
    }

    private static final class RecordingValidator implements MethodValidator {

        final List<String> groupsAskedFor = new ArrayList<>();

        @Override
        public Class<?>[] determineValidationGroups(Object target, Method method) {
            groupsAskedFor.add(method.getName());
            return new Class<?>[0];
        }

        @Override
        public MethodValidationResult validateArguments(Object target, Method method,
                @Nullable MethodParameter[] parameters, Object[] arguments,
                Class<?>[] groups) {
            return MethodValidationResult.emptyResult();
        }

        @Override
        public MethodValidationResult validateReturnValue(Object target, Method method,
                @Nullable MethodParameter returnType, @Nullable Object returnValue,
                Class<?>[] groups) {
            return MethodValidationResult.emptyResult();
        }
    }
}
