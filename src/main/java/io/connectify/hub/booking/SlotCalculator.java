package io.connectify.hub.booking;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.resilience.CalculationException;

/**
 * Slot arithmetic. Candidates lie inside a working window (wall-clock time in the hub's zone), start on the slot
 * grid counted from the window's start, and start no earlier than now + lead time. Durations are real time, so a
 * 60-minute slot on a DST change day still lasts 60 minutes. A slot conflicts with a busy range widened by the
 * buffer on both sides.
 */
public class SlotCalculator {

    private final ZoneId zone;
    private final WorkingHours hours;
    private final Duration step;
    private final Duration buffer;
    private final Duration leadTime;

    public SlotCalculator(AvailabilityProperties properties) {
        this.zone = properties.timeZone();
        this.hours = new WorkingHours(properties.workingHours());
        this.step = properties.slotStep();
        this.buffer = properties.buffer();
        this.leadTime = properties.minLeadTime();
        if (step == null || step.isNegative() || step.isZero()) {
            throw ConfigurationError.invalid("connectify.availability.slot-step must be positive");
        }
    }

    public List<TimeRange> candidateSlots(Instant from, Instant to, Duration duration, Instant now) {
        check(from, to, duration);
        Instant earliest = now.plus(leadTime);
        List<TimeRange> slots = new ArrayList<>();
        LocalDate last = LocalDate.ofInstant(to, zone);
        for (LocalDate day = LocalDate.ofInstant(from, zone); !day.isAfter(last); day = day.plusDays(1)) {
            for (WorkingHours.Window window : hours.on(day)) {
                // atZone resolves a wall-clock time that a DST change skips or repeats instead of failing
                Instant windowStart = window.startOn(day).atZone(zone).toInstant();
                Instant windowEnd = window.endOn(day).atZone(zone).toInstant();
                for (Instant start = windowStart; !start.plus(duration).isAfter(windowEnd); start = start.plus(step)) {
                    Instant end = start.plus(duration);
                    if (!start.isBefore(earliest) && !start.isBefore(from) && !end.isAfter(to)) {
                        slots.add(new TimeRange(start, end));
                    }
                }
            }
        }
        return slots;
    }

    /**
     * The end of the working day (in the hub's zone) {@code at} lies in: its midnight, or the end of the window that
     * carries its hours on past midnight ({@link WorkingHours#endOfWorkingDay}).
     */
    public Instant endOfWorkingDay(Instant at) {
        return hours.endOfWorkingDay(LocalDate.ofInstant(at, zone)).atZone(zone).toInstant();
    }

    public boolean isCandidate(Instant start, Duration duration, Instant now) {
        Instant end = start.plus(duration);
        return candidateSlots(start, end, duration, now).stream().anyMatch(s -> s.start().equals(start));
    }

    public boolean conflicts(TimeRange slot, List<TimeRange> busy) {
        return busy.stream().anyMatch(b -> widened(b).overlaps(slot));
    }

    public List<TimeRange> freeSlots(Instant from, Instant to, Duration duration, List<TimeRange> busy, Instant now) {
        List<TimeRange> blocked = busy.stream().map(this::widened).sorted(Comparator.comparing(TimeRange::start))
                .toList();
        List<TimeRange> free = new ArrayList<>();
        int first = 0; // candidates come in start order: busy ranges ending before a candidate never matter again
        for (TimeRange slot : candidateSlots(from, to, duration, now)) {
            while (first < blocked.size() && !blocked.get(first).end().isAfter(slot.start())) {
                first++;
            }
            boolean taken = false;
            for (int i = first; i < blocked.size() && blocked.get(i).start().isBefore(slot.end()); i++) {
                if (blocked.get(i).overlaps(slot)) {
                    taken = true;
                    break;
                }
            }
            if (!taken) {
                free.add(slot);
            }
        }
        return free;
    }

    private TimeRange widened(TimeRange busy) {
        return new TimeRange(busy.start().minus(buffer), busy.end().plus(buffer));
    }

    private static void check(Instant from, Instant to, Duration duration) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new CalculationException("The duration must be positive");
        }
        if (!to.isAfter(from)) {
            throw new CalculationException("'to' must be after 'from'");
        }
    }
}
