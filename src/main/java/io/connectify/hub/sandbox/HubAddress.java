package io.connectify.hub.sandbox;

import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/** The hub's own loopback address, known once the web server runs; simulators send their webhooks there. */
@Component
public class HubAddress implements ApplicationListener<WebServerInitializedEvent> {

    private volatile int port = -1;

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        port = event.getWebServer().getPort();
    }

    public String baseUrl() {
        if (port < 0) {
            throw new IllegalStateException("The hub's web server is not started yet");
        }
        return "http://127.0.0.1:" + port;
    }
}
