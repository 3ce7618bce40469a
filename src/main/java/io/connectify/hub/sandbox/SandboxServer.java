package io.connectify.hub.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * The one loopback HTTP server of the sandbox. Each provider simulator registers its path prefix ("/google/")
 * on it. The JDK's server is enough here: the simulators serve one hub, and it adds no dependency.
 */
public class SandboxServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "sandbox-http");
        t.setDaemon(true);
        return t;
    });

    public SandboxServer(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the sandbox port " + port, e);
        }
        server.setExecutor(executor);
    }

    public void register(String pathPrefix, HttpHandler handler) {
        server.createContext(pathPrefix, handler);
    }

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
    }
}
