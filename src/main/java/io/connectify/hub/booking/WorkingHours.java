package io.connectify.hub.booking;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Working windows per weekday ("09:00-12:00"), parsed and checked once at startup. */
public final class WorkingHours {

    public record Window(LocalTime start, LocalTime end) {
    }

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
                if (parsed.get(i).start().isBefore(parsed.get(i - 1).end())) {
                    throw new IllegalArgumentException("Working hours of " + day + " overlap: " + ranges);
                }
            }
            windows.put(day, List.copyOf(parsed));
        });
    }

    public List<Window> on(LocalDate date) {
        return windows.getOrDefault(date.getDayOfWeek(), List.of());
    }

    private static Window parse(DayOfWeek day, String range) {
        String[] parts = range == null ? new String[0] : range.trim().split("-");
        try {
            if (parts.length == 2) {
                LocalTime start = LocalTime.parse(parts[0].trim());
                LocalTime end = LocalTime.parse(parts[1].trim());
                if (start.isBefore(end)) {
                    return new Window(start, end);
                }
            }
        } catch (DateTimeParseException ignored) {
            // reported below with the offending value
        }
        throw new IllegalArgumentException("Working hours of " + day + " must look like 09:00-12:00, not '" + range + "'");
    }
}
