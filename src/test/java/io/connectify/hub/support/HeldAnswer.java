package io.connectify.hub.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * A WireMock transformer that keeps the answer to the next request of a stub naming it
 * ({@code withTransformers(HeldAnswer.NAME)}) until the test releases it: a hub request held inside its provider
 * call, with latches, not sleeps. Only stubs that name it; only the request that finds it armed; at most 10 seconds.
 */
public final class HeldAnswer implements ResponseDefinitionTransformerV2 {

    public static final String NAME = "held-answer";

    private final String name;
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile CountDownLatch arrived = new CountDownLatch(1);
    private volatile CountDownLatch released = new CountDownLatch(0);

    public HeldAnswer() {
        this(NAME);
    }

    /** A hold of its own name, for a second answer held while the first is (a FreeBusy, then a PATCH). */
    public HeldAnswer(String name) {
        this.name = name;
    }

    /** The next request of a stub naming this transformer waits for {@link #release()}; those after it do not. */
    public void arm() {
        arrived = new CountDownLatch(1);
        released = new CountDownLatch(1);
        armed.set(true);
    }

    /** Waits until the armed request has reached the fake (and is held there). */
    public void awaitArrival() {
        try {
            assertThat(arrived.await(15, TimeUnit.SECONDS)).as("the held request reached the fake").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Lets the held request's answer go (and disarms). */
    public void release() {
        armed.set(false);
        released.countDown();
    }

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
        if (armed.compareAndSet(true, false)) {
            CountDownLatch gate = released;
            arrived.countDown();
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return serveEvent.getResponseDefinition();
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public String getName() {
        return name;
    }
}
