package io.connectify.hub.calendar;

import java.time.Duration;
import java.time.Instant;

/** A half-open interval [start, end) on the time line. */
public record TimeRange(Instant start, Instant end) {

    public TimeRange {
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("end must be after start");
        }
    }

    public static TimeRange of(Instant start, Duration length) {
        return new TimeRange(start, start.plus(length));
    }

    public boolean overlaps(TimeRange other) {
        return start.isBefore(other.end) && other.start.isBefore(end);
    }

    /** What is left of this range after taking {@code other} out: none, one or two pieces. */
    public java.util.List<TimeRange> minus(TimeRange other) {
        if (!overlaps(other)) {
            return java.util.List.of(this);
        }
        var pieces = new java.util.ArrayList<TimeRange>(2);
        if (start.isBefore(other.start)) {
            pieces.add(new TimeRange(start, other.start));
        }
        if (end.isAfter(other.end)) {
            pieces.add(new TimeRange(other.end, end));
        }
        return pieces;
    }

    public Duration length() {
        return Duration.between(start, end);
    }
}
