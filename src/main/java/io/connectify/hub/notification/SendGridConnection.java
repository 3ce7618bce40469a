package io.connectify.hub.notification;

/** The SendGrid API the hub calls (real or sandbox) and its key. */
public record SendGridConnection(boolean live, String apiBase, String apiKey) {

    @Override
    public String toString() {
        return "SendGridConnection[live=" + live + ", apiBase=" + apiBase + "]";
    }
}
