package io.connectify.hub.resilience;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.RollbackExchangeException;
import org.apache.camel.component.jms.DefaultSpringErrorHandler;
import org.apache.camel.component.jms.EndpointMessageListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.util.ErrorHandler;

/**
 * What the JMS consumers log when a message's transaction rolls back (camel.component.jms.error-handler). Camel's own
 * handler logs every rollback as a failure: a WARN line from EndpointMessageListener ("Execution of JMS message
 * listener failed", without a stack for an intended rollback). A rollback a route asked for as the expected outcome
 * of a passing state (its exchange's {@link #INTENDED_ROLLBACK} property says which: a notification's row held by
 * another copy of it, NotificationBusy) is a DEBUG line here, as whoever marked it has already said why in its own
 * line; any other failure is logged exactly as Camel logs it (WARN, its stack unless an intended rollback).
 */
@Component("queueListenerErrors")
public class QueueListenerErrors implements ErrorHandler {

    /** Exchange property: why the route marked its exchange for rollback as an expected outcome (a short text). */
    public static final String INTENDED_ROLLBACK = "connectifyIntendedRollback";

    private static final Logger LOG = LoggerFactory.getLogger(EndpointMessageListener.class);

    private final ObjectProvider<CamelContext> camel;
    private volatile ErrorHandler camelsOwn;

    /** The context looked up on first use: the JMS component, which holds this handler, is made with it. */
    public QueueListenerErrors(ObjectProvider<CamelContext> camel) {
        this.camel = camel;
    }

    @Override
    public void handleError(Throwable failure) {
        RollbackExchangeException rollback = Causes.find(failure, RollbackExchangeException.class);
        Exchange exchange = rollback == null ? null : rollback.getExchange();
        String intended = exchange == null ? null : exchange.getProperty(INTENDED_ROLLBACK, String.class);
        if (intended != null) {
            LOG.debug("Message of exchange {} rolled back for the broker's redelivery: {}", exchange.getExchangeId(),
                    intended);
            return;
        }
        camelsOwn().handleError(failure);
    }

    private ErrorHandler camelsOwn() {
        ErrorHandler handler = camelsOwn;
        if (handler == null) {
            // Camel's defaults (JmsConfiguration: errorHandlerLoggingLevel WARN, errorHandlerLogStackTrace true)
            handler = new DefaultSpringErrorHandler(camel.getObject(), EndpointMessageListener.class,
                    LoggingLevel.WARN, true);
            camelsOwn = handler;
        }
        return handler;
    }
}
