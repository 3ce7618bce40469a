package io.connectify.hub.ops;

import java.util.Map;

import org.apache.camel.Message;

/**
 * The MDC of a message's lines logged outside its exchange's steps (Camel clears the MDC when a step ends): its
 * correlation id ({@link CorrelationId}) and its booking ({@link BookingMdc}), both read from the message's own
 * headers, as it travelled through its queue. The dead-letter channel's store, the redelivery log and a dead letter's
 * replay log under it: {@code try (var named = MessageMdc.of(message)) { ... }}; closing it restores the MDC found.
 */
public final class MessageMdc implements AutoCloseable {

    private final MdcScope correlation;
    private final MdcScope booking;

    private MessageMdc(String correlationId, String bookingId) {
        this.correlation = CorrelationId.naming(correlationId);
        this.booking = BookingMdc.naming(bookingId);
    }

    public static MessageMdc of(Message message) {
        return new MessageMdc(message.getHeader(CorrelationId.CAMEL_HEADER, String.class),
                message.getHeader(BookingMdc.KEY, String.class));
    }

    /** A message kept as its headers (a dead letter's). */
    public static MessageMdc of(Map<String, String> headers) {
        return new MessageMdc(headers.get(CorrelationId.CAMEL_HEADER), headers.get(BookingMdc.KEY));
    }

    @Override
    public void close() {
        booking.close();
        correlation.close();
    }
}
