package io.connectify.hub.payment.payrexx;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.payment.BookingPaymentCheck;
import io.connectify.hub.payment.payrexx.PayrexxCommands.GatewayRequest;
import io.connectify.hub.payment.payrexx.PayrexxCommands.RefundCommand;
import io.connectify.hub.payment.payrexx.PayrexxCommands.TransactionRefundRequest;
import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.payment.PaymentLink;
import io.connectify.hub.web.ApiReply;
import io.connectify.hub.web.JsonBodies;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** Reads the Payrexx REST operations' input, and answers a gateway made. */
@Component("payrexxPaymentApi")
public class PayrexxPaymentApi {

    private final JsonBodies json;
    private final BookingPaymentCheck bookingPayments;

    public PayrexxPaymentApi(JsonBodies json, BookingPaymentCheck bookingPayments) {
        this.json = json;
        this.bookingPayments = bookingPayments;
    }

    /**
     * The gateway asked for; one whose referenceId names a booking (its webhook acts on it) is of its price, and
     * carries the booking's id as stored, not as the caller wrote it (" &lt;uuid&gt;", upper case): its transaction's
     * referenceId is what the saga finds and updates the booking by.
     */
    public GatewayRequest gateway(@Body String body) {
        GatewayRequest r = json.read(body, GatewayRequest.class);
        Booking booking = bookingPayments.check("referenceId", r.referenceId(), r.amount(), r.currency());
        if (booking == null) {
            return r;
        }
        return new GatewayRequest(r.amount(), r.currency(), r.purpose(), booking.id(), r.fields(), r.validity(),
                r.successUrl(), r.failedUrl(), r.cancelUrl());
    }

    /** A gateway made: 201, with where the API reads it back. */
    public ApiReply created(@Body PaymentLink gateway) {
        return ApiReply.created("/api/v1/payments/payrexx/gateways/" + gateway.reference(), gateway);
    }

    /**
     * The refund asked of the transaction in the path: in full without a body (or with {@code {}}), else of
     * {@code amount} cents. Made as a booking's cancel makes it (route payrexx-refund-transaction): Payrexx takes no
     * idempotency key, so a retry after a lost answer reads the transaction first.
     */
    public RefundCommand refund(@Header("id") String id, @Body String body) {
        long transaction = id(id);
        Long amount = body == null || body.isBlank() ? null : json.read(body, TransactionRefundRequest.class).amount();
        return new RefundCommand(transaction, amount);
    }

    /** The numeric id of a Payrexx gateway or transaction in the path. */
    public Long id(@Header("id") String id) {
        if (id == null || !id.matches("[0-9]{1,18}")) {
            throw new ValidationException("'id' is not a Payrexx id");
        }
        return Long.parseLong(id);
    }
}
