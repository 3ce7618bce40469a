package io.connectify.hub.support;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Bookable 30-minute starts for the tests that run the packaged hub on the real clock: from the second day ahead
 * on, working days only, inside the default working hours (Europe/Zurich), with the offset of that date.
 */
public final class FutureSlots {

    private static final ZoneId ZONE = ZoneId.of("Europe/Zurich");
    private static final List<LocalTime> TIMES = List.of("09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
            "13:00", "13:30", "14:00", "14:30").stream().map(LocalTime::parse).toList();

    private FutureSlots() {
    }

    public static List<String> next(int count) {
        List<String> starts = new ArrayList<>();
        LocalDate day = LocalDate.now(ZONE).plusDays(2);
        while (starts.size() < count) {
            if (day.getDayOfWeek() != DayOfWeek.SATURDAY && day.getDayOfWeek() != DayOfWeek.SUNDAY) {
                for (LocalTime time : TIMES) {
                    if (starts.size() < count) {
                        starts.add(day.atTime(time).atZone(ZONE).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
                    }
                }
            }
            day = day.plusDays(1);
        }
        return starts;
    }
}
