package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.resilience.CalculationException;
import org.junit.jupiter.api.Test;

class SlotCalculatorTest {

    private static final ZoneId ZURICH = ZoneId.of("Europe/Zurich");
    private static final Instant LONG_AGO = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    private final SlotCalculator calculator = calculator(Map.of(
            DayOfWeek.TUESDAY, List.of("09:00-12:00", "13:00-15:00"),
            DayOfWeek.SUNDAY, List.of("09:00-11:00")), Duration.ofMinutes(15));

    @Test
    void candidatesFollowTheGridInsideEachWindowAndSkipTheLunchGap() {
        var slots = calculator.candidateSlots(at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"), HOUR, LONG_AGO);

        // Tuesday 2026-12-01, UTC+1: 09:00..11:00 and 13:00..14:00 local, every 30 minutes
        assertThat(starts(slots)).containsExactly("2026-12-01T08:00:00Z", "2026-12-01T08:30:00Z",
                "2026-12-01T09:00:00Z", "2026-12-01T09:30:00Z", "2026-12-01T10:00:00Z", "2026-12-01T12:00:00Z",
                "2026-12-01T12:30:00Z", "2026-12-01T13:00:00Z");
        assertThat(slots.get(0).end()).isEqualTo(at("2026-12-01T09:00:00Z"));
    }

    @Test
    void closedWeekdaysHaveNoSlots() {
        assertThat(calculator.candidateSlots(at("2026-12-03T00:00:00Z"), at("2026-12-06T00:00:00Z"), HOUR, LONG_AGO))
                .isEmpty(); // Thursday to Saturday
    }

    @Test
    void theLeadTimeCutsOffEarlySlots() {
        Instant now = at("2026-12-01T07:10:00Z"); // 08:10 local, lead time 2 h -> first start 10:10 local

        var slots = calculator.candidateSlots(at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"), HOUR, now);

        assertThat(starts(slots)).startsWith("2026-12-01T09:30:00Z");
    }

    @Test
    void fromAndToCutAWindow() {
        var slots = calculator.candidateSlots(at("2026-12-01T08:30:00Z"), at("2026-12-01T10:00:00Z"), HOUR, LONG_AGO);

        assertThat(starts(slots)).containsExactly("2026-12-01T08:30:00Z", "2026-12-01T09:00:00Z");
    }

    @Test
    void onTheSpringForwardDaySlotsKeepWallClockStartsAndRealDurations() {
        // Sunday 2026-03-29: Zurich moves from UTC+1 to UTC+2 at 02:00; 09:00 local is 07:00Z
        var slots = calculator.candidateSlots(at("2026-03-29T00:00:00Z"), at("2026-03-30T00:00:00Z"), HOUR, LONG_AGO);

        assertThat(starts(slots)).containsExactly("2026-03-29T07:00:00Z", "2026-03-29T07:30:00Z",
                "2026-03-29T08:00:00Z");
        assertThat(slots.get(0).length()).isEqualTo(HOUR);
    }

    @Test
    void onTheFallBackDaySlotsKeepWallClockStarts() {
        // Sunday 2026-10-25: back to UTC+1 at 03:00; 09:00 local is 08:00Z
        var slots = calculator.candidateSlots(at("2026-10-25T00:00:00Z"), at("2026-10-26T00:00:00Z"), HOUR, LONG_AGO);

        assertThat(starts(slots)).containsExactly("2026-10-25T08:00:00Z", "2026-10-25T08:30:00Z",
                "2026-10-25T09:00:00Z");
    }

    @Test
    void aWindowAcrossTheSkippedHourDoesNotCrashAndLastsItsRealLength() {
        // a night window that spans the hour Zurich skips on 2026-03-29
        var night = calculator(Map.of(DayOfWeek.SUNDAY, List.of("00:00-04:00")), Duration.ZERO);

        var slots = night.candidateSlots(at("2026-03-28T22:00:00Z"), at("2026-03-29T03:00:00Z"), HOUR, LONG_AGO);

        // 00:00 local = 23:00Z (UTC+1), 04:00 local = 02:00Z (UTC+2): three real hours, so three 60-min slots
        // on the 30-minute grid: 23:00, 23:30, 00:00, 00:30, 01:00 Z
        assertThat(starts(slots)).containsExactly("2026-03-28T23:00:00Z", "2026-03-28T23:30:00Z",
                "2026-03-29T00:00:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z");
    }

    @Test
    void theBufferKeepsDistanceOnBothSidesOfABusyRange() {
        var busy = List.of(new TimeRange(at("2026-12-01T09:00:00Z"), at("2026-12-01T10:00:00Z")));

        // a slot may end exactly 15 minutes before, and start exactly 15 minutes after
        assertThat(calculator.conflicts(TimeRange.of(at("2026-12-01T07:45:00Z"), HOUR), busy)).isFalse();
        assertThat(calculator.conflicts(TimeRange.of(at("2026-12-01T07:46:00Z"), HOUR), busy)).isTrue();
        assertThat(calculator.conflicts(TimeRange.of(at("2026-12-01T10:15:00Z"), HOUR), busy)).isFalse();
        assertThat(calculator.conflicts(TimeRange.of(at("2026-12-01T10:14:00Z"), HOUR), busy)).isTrue();
    }

    @Test
    void freeSlotsLeaveOutEverySlotNearABusyRange() {
        var busy = List.of(new TimeRange(at("2026-12-01T09:00:00Z"), at("2026-12-01T09:30:00Z")),
                new TimeRange(at("2026-12-01T12:00:00Z"), at("2026-12-01T14:00:00Z")));

        var free = calculator.freeSlots(at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"),
                Duration.ofMinutes(30), busy, LONG_AGO);

        // morning 09:00..11:30 local minus 09:45..10:45 local (busy 10:00-10:30 +-15); afternoon all busy
        assertThat(starts(free)).containsExactly("2026-12-01T08:00:00Z", "2026-12-01T10:00:00Z",
                "2026-12-01T10:30:00Z");
    }

    @Test
    void aBusyRangeOverTheWholeDayLeavesNothing() {
        var busy = List.of(new TimeRange(at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z")));

        assertThat(calculator.freeSlots(at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"), HOUR, busy, LONG_AGO))
                .isEmpty();
    }

    @Test
    void isCandidateRequiresHoursGridAndLeadTime() {
        assertThat(calculator.isCandidate(at("2026-12-01T08:30:00Z"), HOUR, LONG_AGO)).isTrue();
        assertThat(calculator.isCandidate(at("2026-12-01T08:10:00Z"), HOUR, LONG_AGO)).isFalse(); // off grid
        assertThat(calculator.isCandidate(at("2026-12-01T10:30:00Z"), HOUR, LONG_AGO)).isFalse(); // runs into lunch
        assertThat(calculator.isCandidate(at("2026-12-01T06:00:00Z"), HOUR, LONG_AGO)).isFalse(); // before hours
        assertThat(calculator.isCandidate(at("2026-12-01T08:30:00Z"), HOUR, at("2026-12-01T07:00:00Z"))).isFalse();
    }

    @Test
    void nonsenseRangesAndDurationsAreCalculationErrors() {
        assertThatThrownBy(() -> calculator.candidateSlots(at("2026-12-02T00:00:00Z"), at("2026-12-01T00:00:00Z"),
                HOUR, LONG_AGO)).isInstanceOf(CalculationException.class);
        assertThatThrownBy(() -> calculator.candidateSlots(at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"),
                Duration.ZERO, LONG_AGO)).isInstanceOf(CalculationException.class);
    }

    @Test
    void invalidWorkingHoursAreRefusedAtStartup() {
        assertThatThrownBy(() -> calculator(Map.of(DayOfWeek.MONDAY, List.of("9-12")), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MONDAY");
        assertThatThrownBy(() -> calculator(Map.of(DayOfWeek.MONDAY, List.of("12:00-09:00")), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> calculator(Map.of(DayOfWeek.MONDAY, List.of("09:00-12:00", "11:00-13:00")),
                Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlap");
    }

    /**
     * "18:00-24:00": a window that ends with its day offers its last hour, 23:00-24:00 local. Before, 24:00 was no
     * time it could read, and the hub refused to start, telling the window to look like 09:00-12:00.
     */
    @Test
    void aWindowEndingAt24OffersTheLastHourOfTheDay() {
        var evenings = calculator(Map.of(DayOfWeek.TUESDAY, List.of("18:00-24:00"),
                DayOfWeek.WEDNESDAY, List.of("00:00-24:00")), Duration.ZERO);

        // Tuesday 2026-12-01 local: until 23:00Z, Wednesday's midnight
        var tuesday = evenings.candidateSlots(at("2026-12-01T00:00:00Z"), at("2026-12-01T23:00:00Z"), HOUR, LONG_AGO);

        // 18:00..23:00 local (UTC+1) every 30 minutes, the last ending at midnight local (23:00Z)
        assertThat(starts(tuesday)).hasSize(11).startsWith("2026-12-01T17:00:00Z").endsWith("2026-12-01T22:00:00Z");
        assertThat(evenings.isCandidate(at("2026-12-01T22:00:00Z"), HOUR, LONG_AGO)).isTrue();
        // a slot across midnight lies in neither day's window, even with the next day open from 00:00
        assertThat(evenings.isCandidate(at("2026-12-01T22:30:00Z"), HOUR, LONG_AGO)).isFalse();
        assertThat(evenings.isCandidate(at("2026-12-01T23:00:00Z"), HOUR, LONG_AGO)).isTrue();
        assertThatThrownBy(() -> calculator(Map.of(DayOfWeek.MONDAY, List.of("18:00-24:00", "20:00-21:00")),
                Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlap");
    }

    /** A window running past midnight is refused at startup, the message saying how to write it: two windows. */
    @Test
    void aWindowRunningPastMidnightIsRefusedSayingHowToWriteIt() {
        assertThatThrownBy(() -> calculator(Map.of(DayOfWeek.FRIDAY, List.of("22:00-02:00")), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Working hours of FRIDAY cannot run past midnight: '22:00-02:00'. End the day's window "
                        + "at 24:00 (22:00-24:00) and open the next day's at 00:00 (00:00-02:00)");
    }

    private static SlotCalculator calculator(Map<DayOfWeek, List<String>> hours, Duration buffer) {
        return new SlotCalculator(new AvailabilityProperties(ZURICH, hours, Duration.ofMinutes(30), buffer,
                Duration.ofHours(2), Duration.ofDays(31)));
    }

    private static Instant at(String instant) {
        return Instant.parse(instant);
    }

    private static List<String> starts(List<TimeRange> slots) {
        return slots.stream().map(s -> s.start().toString()).toList();
    }
}
