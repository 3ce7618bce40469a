package io.connectify.hub.support;

import java.util.concurrent.atomic.AtomicReference;

import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * A WireMock transformer that runs what a test gives it ({@link #onNext}) when the next request of a stub naming it
 * ({@code withTransformers(RequestHook.NAME)}) arrives, before that request is answered: something that happens while
 * the hub's provider call is under way, on the fake's thread, with no latch for the hub's read timeout to outlast.
 * Only stubs that name it; only the next such request. A hook that fails fails that request's answer (500).
 */
public final class RequestHook implements ResponseDefinitionTransformerV2 {

    public static final String NAME = "request-hook";

    private final AtomicReference<Runnable> next = new AtomicReference<>();

    /** Runs {@code hook} as the next request of a stub naming this transformer arrives. */
    public void onNext(Runnable hook) {
        next.set(hook);
    }

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
        Runnable hook = next.getAndSet(null);
        if (hook != null) {
            hook.run();
        }
        return serveEvent.getResponseDefinition();
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public String getName() {
        return NAME;
    }
}
