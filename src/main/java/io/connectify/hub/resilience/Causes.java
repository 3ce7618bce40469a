package io.connectify.hub.resilience;

/** Looks through a failure's cause chain (Camel and the SDKs wrap what the hub needs to see). */
public final class Causes {

    private Causes() {
    }

    /**
     * What a call through a ProducerTemplate should throw: the hub's typed error inside Camel's wrapper, so the
     * caller's error handling (retry or not, problem type) sees it; else the failure itself.
     */
    public static RuntimeException hubErrorOr(RuntimeException failure) {
        HubException typed = find(failure, HubException.class);
        return typed != null ? typed : failure;
    }

    /**
     * A failure for a log line: the hub's typed error in its chain, as its type and detail (which never hold a
     * secret), else the failure's class only (an SDK's message may print a request, a token with it).
     */
    public static String forLog(Throwable failure) {
        HubException typed = find(failure, HubException.class);
        return typed != null ? typed.type() + ": " + typed.getMessage() : failure.getClass().getSimpleName();
    }

    /**
     * The failure inside Camel's wrappers ({@code CamelExecutionException} and the other RuntimeCamelExceptions with a
     * cause): what a dead letter names as its error's type, where "CamelExecutionException" told nothing.
     */
    public static Throwable insideCamelWrappers(Throwable failure) {
        Throwable t = failure;
        while (t instanceof org.apache.camel.RuntimeCamelException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The first throwable of {@code type} in the chain starting at {@code failure}, or null. */
    public static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
