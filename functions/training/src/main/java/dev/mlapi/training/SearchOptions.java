package dev.mlapi.training;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * How a grid search runs: on how many cores, and when to stop early. The search asks
 * {@link #stopReason()} before every fit, before the refit and before registering; once there is
 * a reason, no new fit starts and the search throws {@link TrainingStopped}.
 *
 * @param parallelism fits run at once (1: one after another on the caller's thread)
 * @param shouldStop  true once the job must stop, e.g. it was cancelled
 * @param stopMessage what {@link TrainingStopped} says when {@code shouldStop} stopped it
 * @param deadline    the end of the job's time budget ({@link Instant#MAX}: none)
 * @param clock       the clock the deadline is read on
 */
public record SearchOptions(int parallelism, BooleanSupplier shouldStop, String stopMessage, Instant deadline,
        Clock clock) {

    public SearchOptions {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        Objects.requireNonNull(shouldStop, "shouldStop");
        Objects.requireNonNull(stopMessage, "stopMessage");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(clock, "clock");
    }

    /** Every available core, no deadline, never stopping. */
    public static SearchOptions defaults() {
        return new SearchOptions(Runtime.getRuntime().availableProcessors(), () -> false, "stop requested",
                Instant.MAX, Clock.systemUTC());
    }

    public SearchOptions withParallelism(int parallelism) {
        return new SearchOptions(parallelism, shouldStop, stopMessage, deadline, clock);
    }

    /** Stops once {@code shouldStop} says so (e.g. the job was cancelled), with {@code message} as the reason. */
    public SearchOptions withStop(BooleanSupplier shouldStop, String message) {
        return new SearchOptions(parallelism, shouldStop, message, deadline, clock);
    }

    /** Stops once {@code clock} reaches {@code deadline}: the time budget of a job. */
    public SearchOptions withDeadline(Instant deadline, Clock clock) {
        return new SearchOptions(parallelism, shouldStop, stopMessage, deadline, clock);
    }

    /** Why the search must stop now, if it must. */
    public Optional<String> stopReason() {
        if (shouldStop.getAsBoolean()) {
            return Optional.of(stopMessage);
        }
        if (!clock.instant().isBefore(deadline)) {
            return Optional.of("the time budget ran out at " + deadline);
        }
        return Optional.empty();
    }
}
