package dev.mlapi.core.users;

import dev.mlapi.core.error.ApiException.TooManyRequests;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Brute-force protection for password logins: after too many failures for one username, or from
 * one source address, within a fixed window, further logins are answered 429 with
 * {@code Retry-After} until the window ends — before the password is checked, so the attempt costs
 * no PBKDF2 and a right password does not help.
 *
 * <p>A username is counted whether or not the account exists, and the answer is the same, so
 * throttling reveals nothing about which users exist; failures count in the current and the
 * previous window, so a lockout lasts at most two windows (10 minutes by default) and an
 * attacker cannot lock a user out for long.
 *
 * @param perUsername failures allowed per username within a window
 * @param perSource   failures allowed per source address within a window (higher: many users may share a NAT)
 * @param window      the window length; a lockout lasts at most two
 */
public record LoginThrottle(LoginAttempts attempts, Clock clock, int perUsername, int perSource, Duration window) {

    public static final int DEFAULT_PER_USERNAME = 10;
    public static final int DEFAULT_PER_SOURCE = 50;
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    private static final String USER = "user#";
    private static final String SOURCE = "source#";

    public static LoginThrottle withDefaults(LoginAttempts attempts, Clock clock) {
        return new LoginThrottle(attempts, clock, DEFAULT_PER_USERNAME, DEFAULT_PER_SOURCE, DEFAULT_WINDOW);
    }

    /**
     * Throws 429 if {@code username} or {@code source} has failed too often in the current and
     * the previous window together (so a window boundary does not reset an attack), with the wait
     * until that sum drops below the limit.
     */
    public void check(String username, Optional<String> source) {
        Instant current = windowStart();
        Instant previous = current.minus(window);
        List<String> counters = counters(username, source);
        Map<String, Long> total = attempts.failures(counters, List.of(previous, current));
        Map<String, Long> recent = attempts.failures(counters, List.of(current));
        Optional<Instant> until = Optional.empty();
        for (String counter : counters) {
            int limit = counter.startsWith(USER) ? perUsername : perSource;
            if (total.getOrDefault(counter, 0L) >= limit) {
                // at the window's end only the current window's failures still count
                Instant free = recent.getOrDefault(counter, 0L) >= limit ? current.plus(window).plus(window)
                        : current.plus(window);
                until = until.filter(u -> u.isAfter(free)).or(() -> Optional.of(free));
            }
        }
        if (until.isPresent()) {
            throw new TooManyRequests("too many failed logins; try again later",
                    Duration.between(clock.instant(), until.get()));
        }
    }

    /** Counts a failed login against {@code username} and {@code source}. */
    public void recordFailure(String username, Optional<String> source) {
        Instant windowStart = windowStart();
        attempts.recordFailure(counters(username, source), windowStart, windowStart.plus(window).plus(window));
    }

    private Instant windowStart() {
        long seconds = window.toSeconds();
        long now = clock.instant().getEpochSecond();
        return Instant.ofEpochSecond(now - Math.floorMod(now, seconds));
    }

    private static List<String> counters(String username, Optional<String> source) {
        List<String> counters = new ArrayList<>(2);
        counters.add(userCounter(username));
        source.ifPresent(s -> counters.add(sourceCounter(s)));
        return counters;
    }

    private static String userCounter(String username) {
        return USER + username.toLowerCase(Locale.ROOT);
    }

    private static String sourceCounter(String source) {
        return SOURCE + source;
    }
}
