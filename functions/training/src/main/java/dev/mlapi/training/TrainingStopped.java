package dev.mlapi.training;

/**
 * A search stopped before its end, because the caller asked ({@link SearchOptions#shouldStop()},
 * or a {@link GridSearch.Progress} that throws it) or its time ran out. Nothing is registered.
 * Its message says {@code "stopped after N of M fits: reason"}.
 */
public final class TrainingStopped extends RuntimeException {

    private final String reason;
    private final int done;
    private final int total;

    /** Thrown by a {@link GridSearch.Progress} to stop the search; the search adds the counts. */
    public TrainingStopped(String reason) {
        this(reason, -1, -1);
    }

    public TrainingStopped(String reason, int done, int total) {
        super(done < 0 ? reason : "stopped after " + done + " of " + total + " fits: " + reason);
        this.reason = reason;
        this.done = done;
        this.total = total;
    }

    public String reason() {
        return reason;
    }

    /** Fits finished before the stop, or -1 when thrown by a progress listener and not yet counted. */
    public int done() {
        return done;
    }

    public int total() {
        return total;
    }
}
