package io.connectify.hub.booking;

/** Request bodies for booking tests. */
final class BookingJson {

    private BookingJson() {
    }

    static String at(String start, int minutes) {
        return """
                {"start":"%s","durationMinutes":%d,
                 "customer":{"name":"John Doe","email":"john@example.com","phone":"+41791234567","locale":"de"},
                 "summary":"Consultation with John Doe","description":"First meeting"}
                """.formatted(start, minutes);
    }

    static String asap(int minutes) {
        return """
                {"durationMinutes":%d,"customer":{"name":"Jane Roe","email":"jane@example.com"}}
                """.formatted(minutes);
    }
}
