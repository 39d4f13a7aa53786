package dev.mlapi.core.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A UTC clock for tests: it stands still, the test sets and moves it by hand, or (made with
 * {@link #stepping}) every reading is {@code step} later than the one before. It counts its
 * readings. Safe to read from other threads.
 */
public final class TestClock extends Clock {

    private final Duration step;
    private Instant now;
    private long readings;

    private TestClock(Instant now, Duration step) {
        this.now = now;
        this.step = step;
    }

    /** A clock standing at {@code now}. */
    public TestClock(Instant now) {
        this(now, Duration.ZERO);
    }

    /** A clock standing at the present moment. */
    public TestClock() {
        this(Instant.now());
    }

    /** A clock whose first reading is {@code start} and each reading after it {@code step} later. */
    public static TestClock stepping(Instant start, Duration step) {
        return new TestClock(start, step);
    }

    /** Moves the clock to {@code instant}. */
    public synchronized void set(Instant instant) {
        now = instant;
    }

    /** Moves the clock on by {@code by}. */
    public synchronized void advance(Duration by) {
        now = now.plus(by);
    }

    /** How often the clock was read. */
    public synchronized long readings() {
        return readings;
    }

    @Override
    public synchronized Instant instant() {
        Instant read = now;
        now = now.plus(step);
        readings++;
        return read;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
