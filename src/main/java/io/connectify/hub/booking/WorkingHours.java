package io.connectify.hub.booking;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.connectify.hub.ConfigurationError;

/**
 * Working windows per weekday ("09:00-12:00"; "18:00-24:00" ends with the day), parsed and checked once at startup.
 * A window lies within its day: one running past midnight is written as two, the day's ending at 24:00 and the next
 * day's starting at 00:00.
 */
public final class WorkingHours {

    /** How a window's end says it ends with its day. */
    private static final String END_OF_DAY = "24:00";

    /** A window on one day, from {@code start} to {@code end}; an end of 00:00 is the day's end, 24:00. */
    public record Window(LocalTime start, LocalTime end) {

        public LocalDateTime startOn(LocalDate day) {
            return day.atTime(start);
        }

        /** Its end on {@code day}: the next day's 00:00 for a window ending at 24:00. */
        public LocalDateTime endOn(LocalDate day) {
            return end.equals(LocalTime.MIDNIGHT) ? day.plusDays(1).atStartOfDay() : day.atTime(end);
        }

        boolean endsAfter(LocalTime time) {
            return end.equals(LocalTime.MIDNIGHT) || end.isAfter(time);
        }
    }

    private static final String HOURS = "connectify.availability.working-hours";

    private final Map<DayOfWeek, List<Window>> windows = new EnumMap<>(DayOfWeek.class);

    public WorkingHours(Map<DayOfWeek, List<String>> config) {
        if (config == null) {
            return;
        }
        config.forEach((day, ranges) -> {
            List<Window> parsed = new ArrayList<>();
            for (String range : ranges) {
                parsed.add(parse(day, range));
            }
            parsed.sort(Comparator.comparing(Window::start));
            for (int i = 1; i < parsed.size(); i++) {
                if (parsed.get(i - 1).endsAfter(parsed.get(i).start())) {
                    throw ConfigurationError.invalid(HOURS, "Working hours of " + day + " overlap: " + ranges);
                }
            }
            windows.put(day, List.copyOf(parsed));
        });
    }

    public List<Window> on(LocalDate date) {
        return windows.getOrDefault(date.getDayOfWeek(), List.of());
    }

    /**
     * Where {@code day}'s working time ends: its midnight, or, when its last window ends at 24:00 and the next day's
     * first opens at 00:00 (hours across midnight, written as two windows), the end of that next window.
     */
    public LocalDateTime endOfWorkingDay(LocalDate day) {
        LocalDateTime midnight = day.plusDays(1).atStartOfDay();
        List<Window> today = on(day);
        List<Window> tomorrow = on(day.plusDays(1));
        if (today.isEmpty() || !today.get(today.size() - 1).end().equals(LocalTime.MIDNIGHT) || tomorrow.isEmpty()
                || !tomorrow.get(0).start().equals(LocalTime.MIDNIGHT)) {
            return midnight;
        }
        return tomorrow.get(0).endOn(day.plusDays(1));
    }

    private static Window parse(DayOfWeek day, String range) {
        String[] parts = range == null ? new String[0] : range.trim().split("-");
        LocalTime start;
        LocalTime end;
        boolean endOfDay;
        try {
            if (parts.length != 2) {
                throw ConfigurationError.invalid(HOURS, malformed(day, range));
            }
            start = LocalTime.parse(parts[0].trim());
            endOfDay = END_OF_DAY.equals(parts[1].trim());
            end = endOfDay ? LocalTime.MIDNIGHT : LocalTime.parse(parts[1].trim());
        } catch (DateTimeParseException e) {
            throw ConfigurationError.invalid(HOURS, malformed(day, range));
        }
        if (endOfDay || start.isBefore(end)) {
            return new Window(start, end);
        }
        if (start.equals(end)) {
            throw ConfigurationError.invalid(HOURS, "Working hours of " + day + " end where they start: '" + range
                    + "'");
        }
        // "22:00-02:00" (LocalTime cannot hold 24:00, so "18:00-24:00" used to land here too, told to look like
        // 09:00-12:00): a window lies within its day
        throw ConfigurationError.invalid(HOURS, "Working hours of " + day + " cannot run past midnight: '" + range
                + "'. End the day's window at 24:00 (" + parts[0].trim() + "-24:00) and open the next day's at 00:00 ("
                + "00:00-" + parts[1].trim() + ")");
    }

    private static String malformed(DayOfWeek day, String range) {
        return "Working hours of " + day + " must look like 09:00-12:00 (24:00 for the end of the day), not '" + range
                + "'";
    }
}
