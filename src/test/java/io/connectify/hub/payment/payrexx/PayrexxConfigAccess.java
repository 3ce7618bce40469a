package io.connectify.hub.payment.payrexx;

/** The live Payrexx connection as PayrexxConfig makes it at start, for tests outside the package. */
public final class PayrexxConfigAccess {

    private PayrexxConfigAccess() {
    }

    /** Live only: the sandbox path needs the simulator server. */
    public static PayrexxConnection payrexxConnection(PayrexxProperties properties) {
        return new PayrexxConfig().payrexxConnection(properties, null, null, null);
    }
}
