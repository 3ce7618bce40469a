package io.connectify.hub.notification;

import io.connectify.hub.web.DeliverableEmail;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** Bodies of POST /api/v1/notifications/sms and /email (the integration document's send_sms, send_email). */
public final class NotificationRequests {

    private NotificationRequests() {
    }

    public record SmsRequest(
            @NotBlank @Pattern(regexp = "\\+[1-9][0-9]{6,14}", message = "must be an E.164 number such as +41791234567")
            String to,
            @NotBlank @Size(max = 1600) String body) {
    }

    public record EmailRequest(
            @NotBlank @DeliverableEmail @Size(max = 254) String to,
            @NotBlank @Size(max = 500) String subject,
            @NotBlank @Size(max = 100_000) String body,
            Boolean isHtml) {
    }
}
