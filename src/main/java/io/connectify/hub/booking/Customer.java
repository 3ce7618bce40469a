package io.connectify.hub.booking;

import io.connectify.hub.web.DeliverableEmail;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Who booked. Phone in E.164 (+41791234567); locale a language tag (de, en, de-CH); time zone an IANA id
 * (Europe/Zurich) for the times in their notifications, the hub's zone when absent.
 */
public record Customer(
        @NotBlank @Size(max = 200) String name,
        @NotBlank @DeliverableEmail @Size(max = 254) String email,
        @Pattern(regexp = "\\+[1-9][0-9]{6,14}", message = "must be an E.164 number such as +41791234567") String phone,
        @Pattern(regexp = "[a-z]{2}(-[A-Z]{2})?", message = "must be a language tag such as de or de-CH") String locale,
        @Size(max = 64) @Pattern(regexp = "[A-Za-z_]+(/[A-Za-z0-9_+\\-]+){0,2}", message = "must be a time zone such as Europe/Zurich")
        String timeZone) {
}
