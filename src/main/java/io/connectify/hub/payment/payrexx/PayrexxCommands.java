package io.connectify.hub.payment.payrexx;

import java.util.Map;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/** Payrexx requests and answers in the hub's canonical terms (amount in minor units, ISO 4217 upper case). */
public final class PayrexxCommands {

    private PayrexxCommands() {
    }

    /** POST /api/v1/payments/payrexx/gateways, and what a booking's payment start sends. */
    public record GatewayRequest(
            @NotNull @Positive @Max(99_999_999) Long amount,
            @NotBlank @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code such as CHF") String currency,
            @NotBlank @Size(max = 250) String purpose,
            @Size(max = 100) String referenceId,
            @Size(max = 20) Map<@Pattern(regexp = "[a-z_]{1,30}") String, @Size(max = 250) String> fields) {
    }

    public record Gateway(long id, String status, String referenceId, long amount, String currency, String link) {
    }

    public record Transaction(long id, String uuid, String status, String referenceId, long amount, String currency) {
    }

    public record RefundCommand(long transactionId, Long amount) {
    }
}
