package io.connectify.hub.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Forwards connections on loopback to a port (a database's, say), and stands in for the network between them:
 * <ul>
 * <li>{@link #dropping(boolean)}: throws away every byte either way and closes nothing, as a network that drops its
 * packets; the connections carry on once it stops;</li>
 * <li>{@link #cutOnceSent(String)}: the same from the moment a text goes through toward the port (a query reaching
 * the server, say), for good;</li>
 * <li>{@link #off()}: breaks every connection open and refuses new ones, as a host gone from the network;
 * {@link #on()} listens on the same port again.</li>
 * </ul>
 */
public final class LoopbackProxy implements AutoCloseable {

    private final int target;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicBoolean cut = new AtomicBoolean();
    private volatile boolean dropping;
    private volatile byte[] marker;
    private volatile ServerSocket server;

    /** Listening on a free loopback port, forwarding to {@code target} on loopback. */
    public LoopbackProxy(int target) {
        this.target = target;
        this.port = listen(0);
    }

    public int port() {
        return port;
    }

    /** While on, every byte either way is thrown away; no connection is closed. */
    public void dropping(boolean drop) {
        dropping = drop;
    }

    /** Forwards until {@code text} goes through toward the target (in one read); drops every byte either way since. */
    public void cutOnceSent(String text) {
        marker = text.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@link #cutOnceSent}'s text has gone through, and the traffic has been dropped since. */
    public boolean cut() {
        return cut.get();
    }

    /** Listens on the same port again after {@link #off()}. */
    public void on() {
        listen(port);
    }

    /** Breaks every connection open and stops listening: a new connection is refused. */
    public void off() {
        try {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
            sockets.clear();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        off();
    }

    private int listen(int on) {
        try {
            ServerSocket listening = new ServerSocket();
            listening.setReuseAddress(true); // on again on the port just closed
            listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), on));
            server = listening;
            Thread accepting = new Thread(() -> accept(listening), "loopback-proxy");
            accepting.setDaemon(true);
            accepting.start();
            return listening.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket listening) {
        try {
            while (true) {
                Socket client = listening.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, true);
                pump(upstream, client, false);
            }
        } catch (IOException closed) {
            // off, or closed
        }
    }

    /** Copies one way; closing its streams closes both sockets once a side is closed. */
    private void pump(Socket from, Socket to, boolean towardTarget) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (dropping || cut.get()) {
                        continue; // dropped
                    }
                    byte[] text = marker;
                    if (towardTarget && text != null && contains(buffer, n, text)) {
                        cut.set(true); // this reaches the target; nothing goes through any more
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException closed) {
                // a side closed
            }
        }, "loopback-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static boolean contains(byte[] buffer, int length, byte[] text) {
        outer:
        for (int i = 0; i + text.length <= length; i++) {
            for (int j = 0; j < text.length; j++) {
                if (buffer[i + j] != text[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
