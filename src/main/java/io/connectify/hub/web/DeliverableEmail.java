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
 * long after the booking was answered 201. Its local part (before the "@") is ASCII: one that is not ("hüns@x.ch")
 * needs SMTPUTF8 of every server on the way, which the hub cannot count on, so it is refused rather than lost; a domain
 * that is not ASCII ("bücher.ch") is taken, and sent as its punycode (SendGridMails). Null is valid (pair it with
 * {@code @NotBlank} where it is required).
 */
@Email(regexp = "\\p{ASCII}+@([^@.]+\\.)+[^@.]+")
@ReportAsSingleViolation
@Constraint(validatedBy = {})
@Documented
@Target({ElementType.METHOD, ElementType.FIELD, ElementType.ANNOTATION_TYPE, ElementType.CONSTRUCTOR,
        ElementType.PARAMETER, ElementType.TYPE_USE}) // as @Email's
@Retention(RetentionPolicy.RUNTIME)
public @interface DeliverableEmail {

    String message() default "must be a well-formed email address with a dot in its domain and no accented letters "
            + "before its @, such as john@example.com";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
