package io.connectify.hub.ops;

import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.MDC;

/**
 * The correlation id of an exchange: Camel's breadcrumb id, taken from the caller's {@code X-Correlation-Id}
 * (or made up), kept through the queues (a JMS property) and sent to every provider as {@code X-Correlation-Id},
 * so one booking's webhook, calendar call, SMS and email share one id in the hub's logs and the providers' request
 * logs.
 */
public final class CorrelationId {

    /** The HTTP header, in and out. */
    public static final String HTTP_HEADER = "X-Correlation-Id";
    /** Camel's header for it. */
    public static final String CAMEL_HEADER = Exchange.BREADCRUMB_ID;

    // short and free of anything a log line or a header could be forged with
    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    static final String MDC_KEY = "camel.breadcrumbId";

    private CorrelationId() {
    }

    /** A caller's id if it is acceptable, else a new one. */
    public static String acceptOrCreate(String fromCaller) {
        return fromCaller != null && ACCEPTED.matcher(fromCaller).matches() ? fromCaller : UUID.randomUUID().toString();
    }

    /** The id of the exchange that runs on this thread (Camel puts it in the MDC), or null outside one. */
    public static String current() {
        return MDC.get(MDC_KEY);
    }

    /**
     * This thread's lines carry {@code id} (a message's, kept with it: a dead letter's, a redelivery's) until the scope
     * is closed, which restores the id found before; null changes nothing. For work Camel runs outside an exchange's
     * steps, where its MDC is cleared: the dead-letter channel's store, the redelivery log, a replay.
     */
    public static MdcScope naming(String id) {
        return id != null ? MdcScope.put(MDC_KEY, id) : MdcScope.keep(MDC_KEY);
    }

    /** The id of this exchange. */
    public static String of(Exchange exchange) {
        String id = exchange.getMessage().getHeader(CAMEL_HEADER, String.class);
        return id != null ? id : current();
    }

    /**
     * Removes every header of the message but this id, which goes on with it (to a queue or a provider). Clears the
     * map directly: {@code removeHeaders("*", exclude)} matched every header against the exclude pattern as a
     * regex, a measurable share of the garbage per webhook (bench/RESULTS.md).
     */
    public static void keepOnlyItsHeader(Message message) {
        Object id = message.getHeader(CAMEL_HEADER);
        message.getHeaders().clear();
        if (id != null) {
            message.setHeader(CAMEL_HEADER, id);
        }
    }

    /**
     * A provider request built on this message (camel-http): every other header goes, so no caller's header leaks
     * to the provider, and the id is sent as {@code X-Correlation-Id}.
     */
    public static void keepOnlyItForAProviderRequest(Exchange exchange) {
        Message message = exchange.getMessage();
        keepOnlyItsHeader(message);
        message.setHeader(HTTP_HEADER, of(exchange));
    }
}
