package io.connectify.hub.web;

/** What an API bean answers: status, optional Location, and the body to serialise as JSON (null: no body). */
public record ApiReply(int status, String location, Object body) {

    public static ApiReply ok(Object body) {
        return new ApiReply(200, null, body);
    }

    public static ApiReply created(String location, Object body) {
        return new ApiReply(201, location, body);
    }

    public static ApiReply noContent() {
        return new ApiReply(204, null, null);
    }
}
