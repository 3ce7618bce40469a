package io.connectify.hub.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * The one loopback HTTP server of the sandbox. Each provider simulator registers its path prefix ("/google/")
 * on it. The JDK's server is enough here: the simulators serve one hub, and it adds no dependency. It also serves
 * the sandbox's failure switch ({@link SandboxFaults}, {@code /sandbox/{provider}/faults}): on loopback only, as the
 * simulators, and only where some provider runs in sandbox (this server starts only then).
 */
public class SandboxServer implements AutoCloseable {

    private static final byte[] LOOPBACK = {127, 0, 0, 1};
    private static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private final SandboxFaults faults = new SandboxFaults();

    /** @param port the port to listen on, 0 for an ephemeral one */
    public SandboxServer(int port) {
        try {
            // 127.0.0.1 explicitly: getLoopbackAddress() may be ::1, which baseUrl() would not reach
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(LOOPBACK), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the sandbox port " + port, e);
        }
        AtomicInteger count = new AtomicInteger();
        executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "sandbox-http-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/sandbox/", faults::control);
    }

    /** Routes every request whose path starts with {@code pathPrefix} ("/google/") to the handler. */
    public void register(String pathPrefix, HttpHandler handler) {
        if (!pathPrefix.startsWith("/") || !pathPrefix.endsWith("/")) {
            throw new IllegalArgumentException("A sandbox path prefix starts and ends with '/': " + pathPrefix);
        }
        server.createContext(pathPrefix, handler);
    }

    /**
     * As {@link #register(String, HttpHandler)}, for a provider that can be made to fail through the failure switch
     * ({@code provider}: its name there, "stripe"): a call a fault is on for gets the fault's answer, in the
     * provider's error {@code shape}, and never reaches the handler.
     */
    public void register(String pathPrefix, String provider, SandboxFaults.ErrorShape shape, HttpHandler handler) {
        faults.provider(provider, shape);
        int prefix = pathPrefix.length() - 1;
        register(pathPrefix, exchange -> {
            if (!faults.failed(provider, exchange, exchange.getRequestURI().getPath().substring(prefix))) {
                handler.handle(exchange);
            }
        });
    }

    /** "http://127.0.0.1:PORT", without a trailing slash. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void start() {
        server.start();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        faults.close();
    }
}
