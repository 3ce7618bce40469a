package io.connectify.hub.payment.payrexx;

import static io.connectify.hub.payment.RedirectUrls.HTTP_URL;
import static io.connectify.hub.payment.RedirectUrls.NOT_HTTP_URL;

import java.util.Map;

import io.connectify.hub.payment.IsoCurrency;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/** Payrexx requests and answers in the hub's canonical terms (amount in minor units, ISO 4217 upper case). */
public final class PayrexxCommands {

    /** A year: longer than any page should stay open. */
    public static final int MAX_VALIDITY_MINUTES = 525_600;

    private PayrexxCommands() {
    }

    /**
     * POST /api/v1/payments/payrexx/gateways, and what a booking's payment start sends. {@code validity}: minutes
     * until Payrexx closes the page by itself (absent: it stays open); the URLs: where Payrexx sends the customer
     * afterwards (absent: the configured ones with the referenceId as booking id, else Payrexx's own result page).
     */
    public record GatewayRequest(
            @NotNull @Positive @Max(99_999_999) @Schema(minimum = "1", description = "minor units") Long amount,
            @NotBlank @IsoCurrency @Schema(pattern = "[A-Z]{3}", example = "CHF") String currency,
            @NotBlank @Size(max = 250) String purpose,
            @Size(max = 100) String referenceId,
            // Payrexx's own field names, and its custom fields (custom_field_1 ...)
            @Size(max = 20) Map<@Pattern(regexp = "[a-z0-9_]{1,30}") String, @NotNull @Size(max = 250) String> fields,
            @Positive @Max(MAX_VALIDITY_MINUTES) @Schema(minimum = "1", description = "minutes") Integer validity,
            @Size(max = 2048) @Pattern(regexp = HTTP_URL, message = NOT_HTTP_URL) String successUrl,
            @Size(max = 2048) @Pattern(regexp = HTTP_URL, message = NOT_HTTP_URL) String failedUrl,
            @Size(max = 2048) @Pattern(regexp = HTTP_URL, message = NOT_HTTP_URL) String cancelUrl) {
    }

    public record Gateway(long id, String status, String referenceId, long amount, String currency, String link) {
    }

    /**
     * A transaction as Payrexx's API reads it. {@code gatewayId}: the payment page (Gateway) it was made on, Payrexx's
     * {@code invoice.paymentRequestId}; null when Payrexx names none (a Paylink, an older answer).
     */
    public record Transaction(long id, String uuid, String status, String referenceId, long amount, String currency,
                              Long gatewayId) {
    }

    /** {@code amount} null: in full. */
    public record RefundCommand(long transactionId, Long amount) {
    }

    /** POST /api/v1/payments/payrexx/transactions/{id}/refund: in cents; absent (or no body): in full. */
    public record TransactionRefundRequest(
            @Positive @Max(99_999_999) @Schema(minimum = "1", description = "minor units; absent: in full")
            Long amount) {
    }

    /**
     * A refund Payrexx took: the transaction, its status as Payrexx answered it ({@code refunded},
     * {@code partially-refunded}, {@code refund_pending}; null when it names none) and the amount asked (null: in
     * full). Payrexx names no refund of its own.
     */
    public record TransactionRefund(long transactionId, String status, Long amount) {
    }
}
