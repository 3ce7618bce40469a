package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

@HubTest
// the hold sweep not on its timer: a stub of the spied repository must not be taken by the sweep's call
@TestPropertySource(properties = {"connectify.booking.hold-sweep-first-run-after=24h",
        "connectify.gcal.read-timeout=10s"})
class BookingConflictWordingTest extends HubTestBase {

    @MockitoSpyBean
    BookingRepository spied;

    /**
     * A slot taken is told in the caller's words, its offset as the request gave it, whichever check finds it: the
     * holds' check before the slot lock, or the check under it (a booking made between the two, here by the holds'
     * check seeing none once). Before, the one under the lock told the start in the hub's zone: "…T10:00:00Z" asked,
     * "2026-12-02T11:00:00+01:00 is already taken".
     */
    @Test
    void aTakenSlotIsToldInTheCallersOffsetWhicheverCheckFindsIt() {
        assertThat(book("2026-12-02T11:00:00+01:00").status()).isEqualTo(201);

        var heldCheck = book("2026-12-02T10:00:00Z");
        assertThat(heldCheck.status()).isEqualTo(409);
        String wording = heldCheck.json().get("detail").asText();
        assertThat(wording).isEqualTo("The slot starting 2026-12-02T10:00:00Z is already taken");

        // the holds' check before the lock sees no booking (one made just after it): the lock's check finds it
        AtomicBoolean raced = new AtomicBoolean();
        doAnswer(inv -> raced.compareAndSet(false, true) ? List.of() : inv.callRealMethod())
                .when(spied).activeRanges(any(), any(), any(), eq(""));
        var lockCheck = book("2026-12-02T10:00:00Z");
        assertThat(raced).as("the holds' check saw none").isTrue();
        assertThat(lockCheck.status()).isEqualTo(409);
        assertThat(lockCheck.json().get("detail").asText()).isEqualTo(wording);
    }

    private Response book(String start) {
        return httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"provider":"stripe",
                 "customer":{"name":"Jane Roe","email":"jane@example.com"}}""".formatted(start));
    }
}
