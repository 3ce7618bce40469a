package io.connectify.hub.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback port whose listener's backlog is full: the kernel drops further SYNs, so a connect to it neither
 * succeeds nor fails, as to a host that drops packets. Only a connect timeout ends it.
 */
public final class UnacceptingListener implements AutoCloseable {

    private final ServerSocket full;
    private final List<Socket> queued = new ArrayList<>();

    public UnacceptingListener() throws IOException {
        full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 8; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort()), 200);
                queued.add(s);
            } catch (IOException backlogFull) {
                s.close();
                return;
            }
        }
    }

    public int port() {
        return full.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        for (Socket s : queued) {
            s.close();
        }
        full.close();
    }
}
