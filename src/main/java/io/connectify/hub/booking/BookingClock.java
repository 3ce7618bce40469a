package io.connectify.hub.booking;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Qualifier;

/**
 * The clock of the bookings' times: the shared database's ({@link BookingClockConfig}). A booking's hold is written by
 * one instance (its reservation, a re-hold, a longer hold) and judged by any (a payment within it, another
 * reservation, the availability's held ranges, the expiry sweep), as are the other times written on the booking and
 * compared with it (updated_at, the start of a change of its event), so all of them read this one clock. A
 * qualifier of its own, not a bean name: the tests' clock (TestClockConfig) is put in its place by it.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface BookingClock {
}
