package io.connectify.hub.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import jakarta.validation.ReportAsSingleViolation;
import jakarta.validation.constraints.Email;

/**
 * An email address the hub can send to: well-formed ({@link Email}) and with a dot in its domain. Hibernate's
 * {@code @Email} takes {@code a@localhost}, which SendGrid refuses or no one receives: a customer's notices then failed
 * long after the booking was answered 201. Null is valid (pair it with {@code @NotBlank} where it is required).
 */
@Email(regexp = ".+@([^@.]+\\.)+[^@.]+")
@ReportAsSingleViolation
@Constraint(validatedBy = {})
@Documented
@Target({ElementType.METHOD, ElementType.FIELD, ElementType.ANNOTATION_TYPE, ElementType.CONSTRUCTOR,
        ElementType.PARAMETER, ElementType.TYPE_USE}) // as @Email's
@Retention(RetentionPolicy.RUNTIME)
public @interface DeliverableEmail {

    String message() default "must be a well-formed email address with a dot in its domain, such as john@example.com";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
