package io.connectify.hub.ops;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The dead letters' clock: the shared database's, since one instance stores a letter with its failed_at and retry_at
 * and another (the leader's sweep, every instance's overdue gauge) compares them with its now. With each instance's
 * own clock, a letter stored by an instance running 6 min ahead was replayed 6 min late, and the gauge of an instance
 * 6 min ahead counted a letter due a moment ago as overdue (alert DeadLetterReplayOverdue while replays worked). Not
 * a default candidate: only {@link DeadLetterStore} and {@link DatabaseGauges} ask for it by name, and the hub's
 * {@code Clock} stays the one every other bean gets.
 */
@Configuration(proxyBeanMethods = false)
public class DeadLetterClockConfig {

    public static final String NAME = "deadLetterClock";

    @Bean(name = NAME, defaultCandidate = false)
    Clock deadLetterClock(JdbcClient jdbc) {
        return new DatabaseClock(jdbc);
    }
}
