package io.connectify.hub.payment.payrexx;

import io.connectify.hub.payment.payrexx.PayrexxCommands.GatewayRequest;
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

    public PayrexxPaymentApi(JsonBodies json) {
        this.json = json;
    }

    public GatewayRequest gateway(@Body String body) {
        return json.read(body, GatewayRequest.class);
    }

    /** A gateway made: 201, with where the API reads it back. */
    public ApiReply created(@Body PaymentLink gateway) {
        return ApiReply.created("/api/v1/payments/payrexx/gateways/" + gateway.reference(), gateway);
    }

    /** The numeric id of a Payrexx gateway or transaction in the path. */
    public Long id(@Header("id") String id) {
        if (id == null || !id.matches("[0-9]{1,18}")) {
            throw new ValidationException("'id' is not a Payrexx id");
        }
        return Long.parseLong(id);
    }
}
