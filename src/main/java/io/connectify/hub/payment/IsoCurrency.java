package io.connectify.hub.payment;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Currency;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * An ISO 4217 currency code in upper case that the JVM knows ({@link Currency#getAvailableCurrencies()}). Three
 * capital letters alone let {@code XYZ} through to the provider, which then answered 201 or failed far from the
 * caller. Null is valid (pair it with {@code @NotBlank} where it is required).
 */
@Constraint(validatedBy = IsoCurrency.Known.class)
@Documented
@Target({ElementType.METHOD, ElementType.FIELD, ElementType.ANNOTATION_TYPE, ElementType.PARAMETER,
        ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
@Retention(RetentionPolicy.RUNTIME)
public @interface IsoCurrency {

    String message() default "must be an ISO 4217 code such as CHF";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** The check, also for settings read outside Bean Validation. */
    final class Known implements ConstraintValidator<IsoCurrency, String> {

        private static final Set<String> CODES = Currency.getAvailableCurrencies().stream()
                .map(Currency::getCurrencyCode).collect(Collectors.toUnmodifiableSet());

        public static boolean is(String code) {
            return code != null && CODES.contains(code);
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || is(value);
        }
    }
}
